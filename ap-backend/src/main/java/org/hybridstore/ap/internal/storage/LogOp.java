package org.hybridstore.ap.internal.storage;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One change to the journal's state, as it is written in a log entry and applied to the index. A
 * committed batch is a list of these; replaying the log applies them in order, with the same code a
 * live commit uses ({@link JournalIndex#apply}), so a replayed index equals the live one.
 *
 * <p>Encoding (big-endian): a tag byte, then for strings a two-byte length and UTF-8, for records a
 * four-byte length and the bytes, for numbers eight bytes.
 */
sealed interface LogOp {
  byte PUT = 1;
  byte BACKLOG_ADD = 2;
  byte BACKLOG_REMOVE = 3;
  byte META = 4;

  /**
   * The encoded record of an order (whole, never a delta).
   *
   * @param id the order
   * @param bytes the encoded record
   * @param opKeys the op-id keys the record holds, ascending, when the writer has them at hand
   *     ({@code AppliedOps.keys()} of the record it encoded), so the index need not parse the bytes
   *     again for them; not part of the log (a replayed op parses them), nor of {@link #equals}
   */
  record Put(String id, byte[] bytes, long @Nullable [] opKeys) implements LogOp {
    Put(String id, byte[] bytes) {
      this(id, bytes, null);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Put p && p.id.equals(id) && Arrays.equals(p.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return id.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Put[" + id + ", " + bytes.length + " bytes]";
    }
  }

  /** The order joins the backlog at this sequence number. */
  record BacklogAdd(String id, long seq) implements LogOp {}

  /** The order leaves the backlog. */
  record BacklogRemove(String id) implements LogOp {}

  /** A counter is set. */
  record Meta(String key, long value) implements LogOp {}

  /** Returns the encoded size in bytes. */
  default int encodedSize() {
    if (this instanceof Put p) {
      return 1 + 2 + utf8Length(p.id()) + 4 + p.bytes().length;
    } else if (this instanceof BacklogAdd a) {
      return 1 + 2 + utf8Length(a.id()) + 8;
    } else if (this instanceof BacklogRemove r) {
      return 1 + 2 + utf8Length(r.id());
    } else {
      return 1 + 2 + utf8Length(((Meta) this).key()) + 8;
    }
  }

  /** Writes the op into {@code out}, which has room for {@link #encodedSize()} bytes. */
  default void encode(ByteBuffer out) {
    if (this instanceof Put p) {
      out.put(PUT);
      putString(out, p.id());
      out.putInt(p.bytes().length);
      out.put(p.bytes());
    } else if (this instanceof BacklogAdd a) {
      out.put(BACKLOG_ADD);
      putString(out, a.id());
      out.putLong(a.seq());
    } else if (this instanceof BacklogRemove r) {
      out.put(BACKLOG_REMOVE);
      putString(out, r.id());
    } else {
      Meta m = (Meta) this;
      out.put(META);
      putString(out, m.key());
      out.putLong(m.value());
    }
  }

  /**
   * Decodes every op in {@code in} (a log entry's body after its kind and sequence number).
   *
   * @throws IllegalArgumentException if the bytes are not a list of ops
   */
  static List<LogOp> decodeAll(ByteBuffer in) {
    List<LogOp> ops = new ArrayList<>();
    try {
      while (in.hasRemaining()) {
        byte tag = in.get();
        String id = getString(in);
        switch (tag) {
          case PUT -> {
            int n = in.getInt();
            if (n < 0 || n > in.remaining()) {
              throw new IllegalArgumentException(
                  "record length " + n + " with " + in.remaining() + " bytes left");
            }
            byte[] b = new byte[n];
            in.get(b);
            ops.add(new Put(id, b));
          }
          case BACKLOG_ADD -> ops.add(new BacklogAdd(id, in.getLong()));
          case BACKLOG_REMOVE -> ops.add(new BacklogRemove(id));
          case META -> ops.add(new Meta(id, in.getLong()));
          default -> throw new IllegalArgumentException("unknown op tag " + tag);
        }
      }
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("op cut short", e);
    }
    return ops;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static void putString(ByteBuffer out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xFFFF) {
      throw new IllegalArgumentException("key of " + b.length + " bytes");
    }
    out.putShort((short) b.length);
    out.put(b);
  }

  private static String getString(ByteBuffer in) {
    int n = Short.toUnsignedInt(in.getShort());
    if (n > in.remaining()) {
      throw new IllegalArgumentException(
          "string length " + n + " with " + in.remaining() + " bytes left");
    }
    byte[] b = new byte[n];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
