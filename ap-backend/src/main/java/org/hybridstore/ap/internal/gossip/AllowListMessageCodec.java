package org.hybridstore.ap.internal.gossip;

import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.MessageCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.Externalizable;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.WireCodec;
import org.hybridstore.ap.internal.wire.WireFormatException;
import org.hybridstore.ap.internal.wire.WireFormatException.Kind;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only codec the transport uses, for our messages and for ScaleCube's own (SWIM pings,
 * membership sync, metadata requests, gossip). It never uses Java serialization.
 *
 * <p>Frame: magic {@code 'H' 'S'}, version 1, then one tagged value. Tags: null; string; our {@link
 * WireMessage} as {@link WireCodec} JSON (its own allow-list of {@code "type"}s); an enum from a
 * fixed table; or an {@link Externalizable} from a fixed table of ScaleCube's protocol classes.
 * ScaleCube's classes write themselves through {@code writeExternal}; this codec supplies the
 * {@code ObjectOutput} and {@code ObjectInput}, so their {@code writeObject} calls land here and
 * only allow-listed types are written or instantiated. Size prefixes are checked against the bytes
 * left in the frame before ScaleCube allocates with them, and nesting is capped.
 *
 * <p>With peer authentication (a {@link FrameAuthenticator}) every frame is sealed in an envelope
 * (format version 2: sender node id, destination, time, session, sequence number, HMAC-SHA256) and
 * a received frame is opened before a single byte of its body is decoded; the decoded message then
 * carries the authenticated node id in header {@value #PEER_HEADER}, which a peer can never set (a
 * frame that carries it is refused). The destination comes from header {@value #TO_HEADER}, which
 * {@link FaultInjectingTransport} adds to every outgoing message and this codec moves into the
 * envelope. Without authentication (the explicit insecure setting) frames are format version 1: the
 * same body, no envelope.
 *
 * <p>A received frame that is too large, malformed, unauthenticated, or names a type outside the
 * tables is dropped and counted by reason: {@link #deserialize} then returns a message with
 * qualifier {@link #DROPPED}, which no handler acts on (throwing would make the transport close the
 * connection).
 *
 * <p>This class is thread-safe.
 */
public final class AllowListMessageCodec implements MessageCodec {
  /** Qualifier of the placeholder returned for a dropped frame. */
  public static final String DROPPED = "hybridstore/dropped";

  /** Header the codec sets on a received message: the node id its frame was authenticated as. */
  public static final String PEER_HEADER = "hs-peer";

  /** Header of an outgoing message naming its destination address; moved into the envelope. */
  public static final String TO_HEADER = "hs-to";

  private static final Logger LOG = LoggerFactory.getLogger(AllowListMessageCodec.class);
  static final int MAGIC_0 = 'H';
  static final int MAGIC_1 = 'S';
  static final int VERSION = 1;
  private static final int MAX_DEPTH = 8;

  static final int TAG_NULL = 0;
  static final int TAG_STRING = 1;
  static final int TAG_WIRE = 2;
  static final int TAG_ENUM = 3;
  static final int TAG_EXTERNALIZABLE = 4;
  static final int TAG_MESSAGE = 5;

  /** ScaleCube's protocol classes, by a stable one-byte id (the index). */
  private static final List<String> EXTERNALIZABLES =
      List.of(
          "io.scalecube.cluster.Member",
          "io.scalecube.cluster.membership.MembershipRecord",
          "io.scalecube.cluster.membership.SyncData",
          "io.scalecube.cluster.fdetector.PingData",
          "io.scalecube.cluster.gossip.GossipRequest",
          "io.scalecube.cluster.gossip.Gossip",
          "io.scalecube.cluster.metadata.GetMetadataRequest",
          "io.scalecube.cluster.metadata.GetMetadataResponse");

  /** Those whose first {@code readInt} is a count or length, checked against the bytes left. */
  private static final List<String> SIZE_PREFIXED =
      List.of(
          "io.scalecube.cluster.membership.SyncData",
          "io.scalecube.cluster.gossip.GossipRequest",
          "io.scalecube.cluster.metadata.GetMetadataResponse");

  private static final List<String> ENUMS =
      List.of(
          "io.scalecube.cluster.membership.MemberStatus",
          "io.scalecube.cluster.fdetector.PingData$AckType");

  private static final Map<Class<?>, Integer> EXTERNALIZABLE_IDS = new HashMap<>();
  private static final Constructor<?>[] CONSTRUCTORS = new Constructor<?>[EXTERNALIZABLES.size()];
  private static final Map<Class<?>, Integer> ENUM_IDS = new HashMap<>();
  private static final Class<?>[] ENUM_CLASSES = new Class<?>[ENUMS.size()];

  static {
    try {
      for (int i = 0; i < EXTERNALIZABLES.size(); i++) {
        Class<?> c =
            Class.forName(
                EXTERNALIZABLES.get(i), false, AllowListMessageCodec.class.getClassLoader());
        EXTERNALIZABLE_IDS.put(c, i);
        Constructor<?> ctor = c.getDeclaredConstructor();
        ctor.setAccessible(true);
        CONSTRUCTORS[i] = ctor;
      }
      for (int i = 0; i < ENUMS.size(); i++) {
        Class<?> c =
            Class.forName(ENUMS.get(i), false, AllowListMessageCodec.class.getClassLoader());
        ENUM_IDS.put(c, i);
        ENUM_CLASSES[i] = c;
      }
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError("ScaleCube's protocol classes changed: " + e);
    }
  }

  private final int maxMessageBytes;
  private final Counters counters;
  private final @org.jspecify.annotations.Nullable FrameAuthenticator auth;

  /**
   * Creates the codec.
   *
   * @param maxMessageBytes largest frame accepted or sent
   * @param counters where drops are counted
   * @param auth seals and opens frames; null only for the explicit insecure setting
   */
  AllowListMessageCodec(
      int maxMessageBytes,
      Counters counters,
      @org.jspecify.annotations.Nullable FrameAuthenticator auth) {
    this.maxMessageBytes = maxMessageBytes;
    this.counters = counters;
    this.auth = auth;
  }

  /** Returns a codec for plaintext frames (format version 1): tests and the insecure setting. */
  static AllowListMessageCodec insecure(int maxMessageBytes, Counters counters) {
    return new AllowListMessageCodec(maxMessageBytes, counters, null);
  }

  @Override
  public void serialize(Message message, OutputStream stream) throws Exception {
    String to = message.header(TO_HEADER);
    Message body = message;
    if (to != null) {
      Map<String, String> headers = new HashMap<>(message.headers());
      headers.remove(TO_HEADER);
      body = Message.withHeaders(headers).data(message.data()).build();
    }
    byte[] frame;
    if (auth != null) {
      if (to == null) {
        throw new WireFormatException(Kind.MALFORMED, "an outgoing message names no destination");
      }
      frame = auth.seal(to, encodeBody(body));
    } else {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
      buffer.write(MAGIC_0);
      buffer.write(MAGIC_1);
      buffer.write(VERSION);
      buffer.write(encodeBody(body));
      frame = buffer.toByteArray();
    }
    if (frame.length > maxMessageBytes) {
      counters.droppedOversized();
      throw new WireFormatException(
          Kind.OVERSIZED,
          "outgoing message of "
              + frame.length
              + " bytes exceeds "
              + maxMessageBytes
              + " ("
              + message.qualifier()
              + ")");
    }
    stream.write(frame);
  }

  /** Encodes a message as the tagged value that follows the frame header. */
  static byte[] encodeBody(Message message) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    Writer w = new Writer(new DataOutputStream(buffer));
    w.writeObject(message);
    w.out.flush();
    return buffer.toByteArray();
  }

  @Override
  public Message deserialize(InputStream stream) {
    try {
      int available = stream.available();
      if (available > maxMessageBytes) {
        throw new WireFormatException(
            Kind.OVERSIZED, "frame of " + available + " bytes exceeds " + maxMessageBytes);
      }
      byte[] frame = stream.readNBytes(maxMessageBytes + 1);
      if (frame.length > maxMessageBytes) {
        throw new WireFormatException(
            Kind.OVERSIZED, "frame exceeds " + maxMessageBytes + " bytes");
      }
      if (auth == null) {
        return decodeFrame(frame, maxMessageBytes);
      }
      FrameAuthenticator.Opened opened = auth.open(frame);
      Message m = decodeBody(frame, opened.bodyOffset(), opened.bodyLength(), maxMessageBytes);
      if (m.headers().containsKey(PEER_HEADER) || m.headers().containsKey(TO_HEADER)) {
        throw new WireFormatException(
            Kind.FORGED_SENDER, "a peer set a header only this codec may set");
      }
      Map<String, String> headers = new HashMap<>(m.headers());
      headers.put(PEER_HEADER, opened.node().value());
      return Message.withHeaders(headers).data(m.data()).build();
    } catch (WireFormatException e) {
      e.countIn(counters);
      LOG.debug("dropped a frame: {}", e.getMessage());
    } catch (IOException | RuntimeException e) {
      counters.droppedMalformed();
      LOG.debug("dropped a malformed frame: {}", e.toString());
    }
    return Message.withQualifier(DROPPED).build();
  }

  /**
   * Decodes one frame; throws instead of counting (for tests and the codec itself).
   *
   * @param frame the bytes
   * @param maxMessageBytes the limit for embedded messages
   * @return the message
   * @throws WireFormatException if the frame is not acceptable
   * @throws IOException if it is truncated
   */
  static Message decodeFrame(byte[] frame, int maxMessageBytes) throws IOException {
    if (frame.length < 3 || frame[0] != MAGIC_0 || frame[1] != MAGIC_1) {
      throw new WireFormatException(Kind.MALFORMED, "bad magic: not a HybridStore frame");
    }
    if (frame[2] != VERSION) {
      throw new WireFormatException(Kind.MALFORMED, "unknown frame version " + frame[2]);
    }
    return decodeBody(frame, 3, frame.length - 3, maxMessageBytes);
  }

  /**
   * Decodes the tagged value of a frame's body; throws instead of counting.
   *
   * @param frame the bytes
   * @param offset where the body starts
   * @param length its length
   * @param maxMessageBytes the limit for embedded messages
   * @return the message
   * @throws WireFormatException if the body is not acceptable
   * @throws IOException if it is truncated
   */
  static Message decodeBody(byte[] frame, int offset, int length, int maxMessageBytes)
      throws IOException {
    ByteArrayInputStream bytes = new ByteArrayInputStream(frame, offset, length);
    Reader r = new Reader(new DataInputStream(bytes), bytes, maxMessageBytes);
    Object o = r.readObject();
    if (!(o instanceof Message m)) {
      throw new WireFormatException(Kind.MALFORMED, "a frame must hold a message");
    }
    if (bytes.available() != 0) {
      throw new WireFormatException(Kind.MALFORMED, bytes.available() + " trailing bytes");
    }
    return m;
  }

  /** The {@code ObjectOutput} handed to ScaleCube's {@code writeExternal}. */
  private static final class Writer implements ObjectOutput {
    final DataOutputStream out;

    Writer(DataOutputStream out) {
      this.out = out;
    }

    @Override
    public void writeObject(@org.jspecify.annotations.Nullable Object o) throws IOException {
      if (o == null) {
        out.writeByte(TAG_NULL);
      } else if (o instanceof String s) {
        out.writeByte(TAG_STRING);
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
      } else if (o instanceof WireMessage m) {
        out.writeByte(TAG_WIRE);
        byte[] b = WireCodec.encode(m);
        out.writeInt(b.length);
        out.write(b);
      } else if (o instanceof Message m) {
        // Written by hand rather than through Message.writeExternal, so the header count is ours.
        out.writeByte(TAG_MESSAGE);
        out.writeInt(m.headers().size());
        for (Map.Entry<String, String> h : m.headers().entrySet()) {
          out.writeUTF(h.getKey());
          writeObject(h.getValue());
        }
        Object data = m.data();
        writeObject(data);
      } else if (o instanceof Enum<?> e && ENUM_IDS.containsKey(e.getDeclaringClass())) {
        out.writeByte(TAG_ENUM);
        out.writeByte(ENUM_IDS.get(e.getDeclaringClass()));
        out.writeUTF(e.name());
      } else if (o instanceof Externalizable x && EXTERNALIZABLE_IDS.containsKey(x.getClass())) {
        out.writeByte(TAG_EXTERNALIZABLE);
        out.writeByte(EXTERNALIZABLE_IDS.get(x.getClass()));
        x.writeExternal(this);
      } else {
        throw new NotSerializableException(o.getClass().getName() + " is not on the allow-list");
      }
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void writeBoolean(boolean v) throws IOException {
      out.writeBoolean(v);
    }

    @Override
    public void writeByte(int v) throws IOException {
      out.writeByte(v);
    }

    @Override
    public void writeShort(int v) throws IOException {
      out.writeShort(v);
    }

    @Override
    public void writeChar(int v) throws IOException {
      out.writeChar(v);
    }

    @Override
    public void writeInt(int v) throws IOException {
      out.writeInt(v);
    }

    @Override
    public void writeLong(long v) throws IOException {
      out.writeLong(v);
    }

    @Override
    public void writeFloat(float v) throws IOException {
      out.writeFloat(v);
    }

    @Override
    public void writeDouble(double v) throws IOException {
      out.writeDouble(v);
    }

    @Override
    public void writeBytes(String s) throws IOException {
      out.writeBytes(s);
    }

    @Override
    public void writeChars(String s) throws IOException {
      out.writeChars(s);
    }

    @Override
    public void writeUTF(String s) throws IOException {
      out.writeUTF(s);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  /** The {@code ObjectInput} handed to ScaleCube's {@code readExternal}. */
  private static final class Reader implements ObjectInput {
    final DataInputStream in;
    private final ByteArrayInputStream bytes;
    private final int maxMessageBytes;
    private final Deque<String> reading = new ArrayDeque<>();
    private boolean sizeRead;

    Reader(DataInputStream in, ByteArrayInputStream bytes, int maxMessageBytes) {
      this.in = in;
      this.bytes = bytes;
      this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public @org.jspecify.annotations.Nullable Object readObject() throws IOException {
      if (reading.size() >= MAX_DEPTH) {
        throw new WireFormatException(Kind.MALFORMED, "nesting deeper than " + MAX_DEPTH);
      }
      int tag = in.readUnsignedByte();
      switch (tag) {
        case TAG_NULL:
          return null;
        case TAG_STRING:
          return new String(readSized(), java.nio.charset.StandardCharsets.UTF_8);
        case TAG_WIRE:
          return WireCodec.decode(readSized(), maxMessageBytes);
        case TAG_MESSAGE:
          return readMessage();
        case TAG_ENUM:
          {
            int id = in.readUnsignedByte();
            if (id >= ENUM_CLASSES.length) {
              throw new WireFormatException(
                  Kind.UNKNOWN_TYPE, "enum id " + id + " is not on the allow-list");
            }
            return enumValue(ENUM_CLASSES[id], in.readUTF());
          }
        case TAG_EXTERNALIZABLE:
          {
            int id = in.readUnsignedByte();
            if (id >= CONSTRUCTORS.length) {
              throw new WireFormatException(
                  Kind.UNKNOWN_TYPE, "class id " + id + " is not on the allow-list");
            }
            Externalizable x;
            try {
              x = (Externalizable) CONSTRUCTORS[id].newInstance();
            } catch (ReflectiveOperationException e) {
              throw new IOException("cannot instantiate " + EXTERNALIZABLES.get(id), e);
            }
            String name = EXTERNALIZABLES.get(id);
            reading.push(name);
            boolean outerSizeRead = sizeRead;
            sizeRead = !SIZE_PREFIXED.contains(name);
            try {
              x.readExternal(this);
            } catch (ClassNotFoundException e) {
              throw new IOException(e);
            } finally {
              reading.pop();
              sizeRead = outerSizeRead;
            }
            return x;
          }
        default:
          throw new WireFormatException(
              Kind.UNKNOWN_TYPE, "tag " + tag + " is not on the allow-list");
      }
    }

    private Message readMessage() throws IOException {
      int count = in.readInt();
      if (count < 0 || count > bytes.available()) {
        throw new WireFormatException(
            Kind.MALFORMED, "header count " + count + " exceeds the frame");
      }
      Map<String, String> headers = new HashMap<>();
      reading.push("Message");
      try {
        for (int i = 0; i < count; i++) {
          String key = in.readUTF();
          Object value = readObject();
          if (value != null && !(value instanceof String)) {
            throw new WireFormatException(Kind.MALFORMED, "header '" + key + "' is not a string");
          }
          headers.put(
              key, (String) value); // ScaleCube sends null headers (a sync's correlation id)
        }
        Object data = readObject();
        return Message.withHeaders(headers).data(data).build();
      } finally {
        reading.pop();
      }
    }

    private byte[] readSized() throws IOException {
      int n = in.readInt();
      if (n < 0 || n > bytes.available()) {
        throw new WireFormatException(Kind.MALFORMED, "length " + n + " exceeds the frame");
      }
      byte[] b = new byte[n];
      in.readFully(b);
      return b;
    }

    private static Object enumValue(Class<?> type, String name) {
      for (Object constant : type.getEnumConstants()) {
        if (((Enum<?>) constant).name().equals(name)) {
          return constant;
        }
      }
      throw new WireFormatException(
          Kind.MALFORMED, "no constant " + name + " in " + type.getName());
    }

    @Override
    public int readInt() throws IOException {
      int v = in.readInt();
      if (!sizeRead) {
        // The first int of a size-prefixed ScaleCube class is a count or a length: it can never
        // exceed the bytes left, and checking it here keeps ScaleCube from allocating with it.
        sizeRead = true;
        if (v < 0 || v > bytes.available()) {
          throw new WireFormatException(
              Kind.MALFORMED, "count " + v + " in " + reading.peek() + " exceeds the frame");
        }
      }
      return v;
    }

    @Override
    public int read() throws IOException {
      return in.read();
    }

    @Override
    public int read(byte[] b) throws IOException {
      return in.read(b);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in.read(b, off, len);
    }

    @Override
    public long skip(long n) throws IOException {
      return in.skip(n);
    }

    @Override
    public int available() throws IOException {
      return in.available();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }

    @Override
    public void readFully(byte[] b) throws IOException {
      in.readFully(b);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
      in.readFully(b, off, len);
    }

    @Override
    public int skipBytes(int n) throws IOException {
      return in.skipBytes(n);
    }

    @Override
    public boolean readBoolean() throws IOException {
      return in.readBoolean();
    }

    @Override
    public byte readByte() throws IOException {
      return in.readByte();
    }

    @Override
    public int readUnsignedByte() throws IOException {
      return in.readUnsignedByte();
    }

    @Override
    public short readShort() throws IOException {
      return in.readShort();
    }

    @Override
    public int readUnsignedShort() throws IOException {
      return in.readUnsignedShort();
    }

    @Override
    public char readChar() throws IOException {
      return in.readChar();
    }

    @Override
    public long readLong() throws IOException {
      return in.readLong();
    }

    @Override
    public float readFloat() throws IOException {
      return in.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
      return in.readDouble();
    }

    @Override
    public String readLine() throws IOException {
      throw new EOFException("readLine is not supported");
    }

    @Override
    public String readUTF() throws IOException {
      return in.readUTF();
    }
  }
}
