package org.hybridstore.ap.internal.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * One generation of the journal's append-only log: the source of truth of the journal.
 *
 * <p>Format (big-endian). A file header of {@value #FILE_HEADER_BYTES} bytes: magic, generation,
 * base sequence number, CRC32C of the three. Then entries, each a {@value #ENTRY_HEADER_BYTES}-byte
 * header (body length, CRC32C of the body, CRC32C of those eight bytes) and a body (kind, sequence
 * number, {@link LogOp}s). Kinds: {@code SNAPSHOT} entries (the state at the base sequence number,
 * written when a generation is compacted into a new file, closed by one {@code SNAPSHOT_END}), then
 * {@code BATCH} entries, one per group commit, numbered base+1, base+2, ...
 *
 * <p>Durability: {@link #append} writes one entry and forces the file (fdatasync) before it
 * returns, so a batch is acknowledged only once its entry is on disk. Nothing is ever overwritten
 * except a torn tail, which {@link #open} cuts.
 *
 * <p>Reading back ({@link #open}): entries are checked in order (both CRCs, the kind, the sequence
 * number). At the first entry that fails, the rest of the file is searched for a later valid entry
 * (the header CRC makes a false match a 1 in 2^32 event per position). None: the bad bytes are a
 * torn tail, the remains of a write the crash interrupted, never acknowledged; they are cut. Some:
 * the log is damaged in the middle (a disk error, a flipped bit); the valid entries on both sides
 * are kept and the damage is reported, never skipped silently.
 *
 * <p>Not thread-safe: the journal's writer thread owns it.
 */
final class WriteAheadLog implements AutoCloseable {
  static final long FILE_MAGIC = 0x48534A524E4C0002L;
  static final int FILE_HEADER_BYTES = 8 + 8 + 8 + 4;
  static final int ENTRY_HEADER_BYTES = 12;
  static final byte BATCH = 1;
  static final byte SNAPSHOT = 2;
  static final byte SNAPSHOT_END = 3;

  /** No entry is larger; a length beyond it is garbage. */
  static final int MAX_ENTRY_BYTES = 256 << 20;

  private static final int BODY_PREFIX = 1 + 8;
  private static final int HEADER_SALT = 0x5A17C0DE;

  /** Receives the valid entries in log order. */
  @FunctionalInterface
  interface Visitor {
    void entry(byte kind, long lsn, ByteBuffer ops);
  }

  /**
   * What reading a log found.
   *
   * @param baseLsn the base sequence number from the header (0 if the header was damaged)
   * @param lastLsn the last batch's sequence number (the base if there is none)
   * @param snapshotComplete whether the file's snapshot, if it has one, was closed
   * @param tornBytes bytes cut from the tail
   * @param damage descriptions of damaged regions in the middle (empty if none)
   */
  record Scan(
      long baseLsn, long lastLsn, boolean snapshotComplete, long tornBytes, List<String> damage) {
    boolean damaged() {
      return !damage.isEmpty();
    }
  }

  private final LogChannel channel;
  private final String name;
  private final long generation;
  private final long baseLsn;
  private long end;
  private long lastLsn;
  private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

  private WriteAheadLog(
      LogChannel channel, String name, long generation, long baseLsn, long end, long lastLsn) {
    this.channel = channel;
    this.name = name;
    this.generation = generation;
    this.baseLsn = baseLsn;
    this.end = end;
    this.lastLsn = lastLsn;
  }

  /**
   * Creates a new, empty log file (replacing any file of that name) and forces its header.
   *
   * @param files the directory
   * @param name the file name
   * @param generation the generation it belongs to
   * @param baseLsn the sequence number of the state it starts from
   */
  static WriteAheadLog create(JournalFiles files, String name, long generation, long baseLsn)
      throws IOException {
    LogChannel ch = files.open(name);
    try {
      ch.truncate(0);
      ByteBuffer h = ByteBuffer.allocate(FILE_HEADER_BYTES);
      h.putLong(FILE_MAGIC).putLong(generation).putLong(baseLsn);
      h.putInt(crc(h.array(), 0, 24));
      h.flip();
      ch.write(h, 0);
      ch.force();
      return new WriteAheadLog(ch, name, generation, baseLsn, FILE_HEADER_BYTES, baseLsn);
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch, e);
      throw e;
    }
  }

  /** A log opened for appending, and what reading it found. */
  record Opened(WriteAheadLog log, Scan scan) {}

  /**
   * Opens an existing log, hands every valid entry to {@code visitor} in order, cuts a torn tail
   * (and forces the cut) and positions the log for appending.
   *
   * @param files the directory
   * @param name the file name
   * @param generation the generation CURRENT names; a header for another one counts as damage
   * @param visitor receives the entries
   */
  static Opened open(JournalFiles files, String name, long generation, Visitor visitor)
      throws IOException {
    LogChannel ch = files.open(name);
    try {
      long size = ch.size();
      Reader in = new Reader(ch, size);
      List<String> damage = new ArrayList<>();
      long base = 0;
      boolean headerOk = false;
      ByteBuffer h = in.get(0, FILE_HEADER_BYTES);
      if (h != null) {
        long magic = h.getLong(0);
        long gen = h.getLong(8);
        long b = h.getLong(16);
        int c = h.getInt(24);
        byte[] head = new byte[24];
        h.get(0, head);
        if (magic == FILE_MAGIC && gen == generation && c == crc(head, 0, 24)) {
          base = b;
          headerOk = true;
        }
      }
      if (!headerOk) {
        damage.add(
            files.describe(name)
                + (size < FILE_HEADER_BYTES
                    ? ": file of " + size + " bytes has no header"
                    : ": file header is damaged (not a log of generation " + generation + ")"));
      }
      long pos = FILE_HEADER_BYTES;
      long last = base;
      boolean anyBatch = false;
      boolean snapshotEnded = false;
      boolean snapshotStarted = false;
      boolean afterDamage = !headerOk;
      long torn = 0;
      while (pos < size) {
        Entry e = in.entry(pos);
        boolean fits =
            e != null && fitsSequence(e, base, last, anyBatch, snapshotEnded, afterDamage);
        if (fits && e != null) { // (fits implies e != null; said again for NullAway)
          if (e.kind == BATCH) {
            anyBatch = true;
            last = e.lsn;
          } else if (e.kind == SNAPSHOT) {
            snapshotStarted = true;
          } else {
            snapshotEnded = true;
          }
          visitor.entry(e.kind, e.lsn, e.ops);
          pos += e.length;
          continue;
        }
        long next = in.nextValid(pos + 1, last);
        if (next < 0) {
          torn = size - pos;
          if (damage.isEmpty()) {
            // A damaged file is left as it is (the journal quarantines a copy and compacts).
            ch.truncate(pos);
            ch.force();
          }
          break;
        }
        damage.add(
            "bytes "
                + pos
                + " to "
                + next
                + " of "
                + files.describe(name)
                + " are unreadable (after sequence "
                + last
                + ")");
        afterDamage = true;
        pos = next;
      }
      // pos is the end of the last valid entry (after a cut tail, the cut). A file without a valid
      // header is reported as damaged; the journal then compacts into a new file at once.
      boolean snapshotComplete = !snapshotStarted || snapshotEnded;
      WriteAheadLog log = new WriteAheadLog(ch, name, generation, base, pos, last);
      return new Opened(log, new Scan(base, last, snapshotComplete, torn, List.copyOf(damage)));
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch, e);
      throw e;
    }
  }

  private static boolean fitsSequence(
      Entry e, long base, long last, boolean anyBatch, boolean snapshotEnded, boolean afterDamage) {
    return switch (e.kind) {
      case BATCH -> afterDamage ? e.lsn > last : e.lsn == last + 1;
      case SNAPSHOT -> !anyBatch && !snapshotEnded && (afterDamage || e.lsn == base);
      case SNAPSHOT_END -> !anyBatch && !snapshotEnded && (afterDamage || e.lsn == base);
      default -> false;
    };
  }

  /**
   * Appends one entry; with {@code sync} the file is forced before this returns.
   *
   * @param kind {@link #BATCH}, {@link #SNAPSHOT} or {@link #SNAPSHOT_END}
   * @param lsn its sequence number
   * @param ops the encoded ops
   * @param sync force the file
   */
  void append(byte kind, long lsn, ByteBuffer ops, boolean sync) throws IOException {
    int bodyLength = BODY_PREFIX + ops.remaining();
    int total = ENTRY_HEADER_BYTES + bodyLength;
    if (bodyLength > MAX_ENTRY_BYTES) {
      throw new IllegalArgumentException(
          "log entry of " + bodyLength + " bytes exceeds " + MAX_ENTRY_BYTES);
    }
    if (buffer.capacity() < total) {
      buffer = ByteBuffer.allocate(Math.max(total, buffer.capacity() * 2));
    }
    ByteBuffer b = buffer;
    b.clear();
    b.position(ENTRY_HEADER_BYTES);
    b.put(kind).putLong(lsn).put(ops);
    int bodyCrc = crc(b.array(), ENTRY_HEADER_BYTES, bodyLength);
    b.putInt(0, bodyLength).putInt(4, bodyCrc).putInt(8, headerCrc(bodyLength, bodyCrc));
    b.flip();
    channel.write(b, end);
    if (sync) {
      channel.force();
    }
    end += total;
    if (kind == BATCH) {
      lastLsn = lsn;
    }
  }

  /** Forces everything appended so far. */
  void sync() throws IOException {
    channel.force();
  }

  /** Returns the last batch's sequence number. */
  long lastLsn() {
    return lastLsn;
  }

  long baseLsn() {
    return baseLsn;
  }

  long generation() {
    return generation;
  }

  String name() {
    return name;
  }

  /** Returns the size of the valid log in bytes. */
  long size() {
    return end;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  private static int headerCrc(int length, int bodyCrc) {
    CRC32C c = new CRC32C();
    c.update(length >>> 24);
    c.update(length >>> 16);
    c.update(length >>> 8);
    c.update(length);
    c.update(bodyCrc >>> 24);
    c.update(bodyCrc >>> 16);
    c.update(bodyCrc >>> 8);
    c.update(bodyCrc);
    return (int) c.getValue() ^ HEADER_SALT;
  }

  private static void closeQuietly(LogChannel ch, Exception e) {
    try {
      ch.close();
    } catch (IOException | RuntimeException suppressed) {
      e.addSuppressed(suppressed);
    }
  }

  /** A parsed entry. */
  private record Entry(byte kind, long lsn, ByteBuffer ops, int length) {}

  /** Positional reads with a window buffer, for the scan. */
  private static final class Reader {
    private final LogChannel ch;
    private final long size;
    private ByteBuffer window = ByteBuffer.allocate(1 << 20);
    private long windowStart = -1;
    private int windowLength;

    Reader(LogChannel ch, long size) {
      this.ch = ch;
      this.size = size;
    }

    /**
     * Returns {@code len} bytes at {@code pos} (position 0 of the result), or null past the end.
     */
    @Nullable ByteBuffer get(long pos, int len) throws IOException {
      if (pos < 0 || len < 0 || pos + len > size) {
        return null;
      }
      if (windowStart < 0 || pos < windowStart || pos + len > windowStart + windowLength) {
        if (window.capacity() < len) {
          window = ByteBuffer.allocate(len);
        }
        window.clear();
        int want = (int) Math.min(window.capacity(), size - pos);
        window.limit(want);
        while (window.hasRemaining()) {
          int n = ch.read(window, pos + window.position());
          if (n < 0) {
            break;
          }
        }
        windowStart = pos;
        windowLength = window.position();
        if (windowLength < len) {
          return null;
        }
      }
      int off = (int) (pos - windowStart);
      return ByteBuffer.wrap(window.array(), off, len).slice();
    }

    /** Parses a valid entry at {@code pos}, or returns null. */
    @Nullable Entry entry(long pos) throws IOException {
      ByteBuffer h = get(pos, ENTRY_HEADER_BYTES);
      if (h == null) {
        return null;
      }
      int length = h.getInt(0);
      int bodyCrc = h.getInt(4);
      if (h.getInt(8) != headerCrc(length, bodyCrc)
          || length < BODY_PREFIX
          || length > MAX_ENTRY_BYTES) {
        return null;
      }
      ByteBuffer body = get(pos + ENTRY_HEADER_BYTES, length);
      if (body == null) {
        return null;
      }
      if (crc(body.array(), body.arrayOffset(), length) != bodyCrc) {
        return null;
      }
      byte kind = body.get(0);
      long lsn = body.getLong(1);
      byte[] ops = new byte[length - BODY_PREFIX];
      body.get(BODY_PREFIX, ops);
      return new Entry(kind, lsn, ByteBuffer.wrap(ops), ENTRY_HEADER_BYTES + length);
    }

    /**
     * Returns the position of the first valid entry at or after {@code from} that continues the
     * log, or -1.
     */
    long nextValid(long from, long lastLsn) throws IOException {
      for (long p = from; p + ENTRY_HEADER_BYTES <= size; p++) {
        ByteBuffer h = get(p, ENTRY_HEADER_BYTES);
        if (h == null) {
          return -1;
        }
        int length = h.getInt(0);
        if (h.getInt(8) != headerCrc(length, h.getInt(4))) {
          continue;
        }
        Entry e = entry(p);
        if (e != null && (e.kind != BATCH || e.lsn > lastLsn)) {
          return p;
        }
      }
      return -1;
    }
  }
}
