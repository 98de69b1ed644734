package org.hybridstore.ap.internal.gossip;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.ap.internal.wire.WireFormatException;
import org.hybridstore.ap.internal.wire.WireFormatException.Kind;

/**
 * Seals and opens authenticated frames (format version 2): HMAC-SHA256 with a cluster secret over
 * the whole frame.
 *
 * <pre>
 *   'H' 'S' 2
 *   keyId    8 bytes   first 8 bytes of HMAC(secret, "hybridstore-peer-key-id"): which secret signed
 *   node     UTF       the sender's node id
 *   to       UTF       the transport address the frame was sent to
 *   time     int64     the sender's wall clock, ms
 *   session  int64     random, one per (sender process, destination)
 *   seq      int64     1, 2, 3, ... within the session
 *   body     ...       the tagged value of format version 1
 *   mac      32 bytes  HMAC-SHA256(secret, every byte before it)
 * </pre>
 *
 * <p>Opening checks, in this order, and refuses with the first that fails: the MAC (with the secret
 * the key id names; {@link Kind#UNAUTHENTICATED}); the node is a configured member ({@link
 * Kind#UNKNOWN_MEMBER}); the frame was addressed to this node ({@link Kind#MISDIRECTED}, so a frame
 * recorded on its way to one node cannot be replayed to another); the time is within the window
 * either way ({@link Kind#STALE}); the (session, seq) pair was not accepted before ({@link
 * Kind#REPLAYED}). Nothing is believed before the MAC verifies, so a forged frame cannot touch the
 * replay state.
 *
 * <p>Replay state, per member: at most {@value #SESSIONS_PER_MEMBER} sessions, each the highest seq
 * and a bitmap of the {@value #WINDOW} seqs below it (IPsec's anti-replay window); a session idle
 * for longer than twice the time window is forgotten, which is safe because every frame it could
 * replay is stale by then. Memory is therefore bounded by the member count, whatever arrives.
 *
 * <p>Thread-safe.
 */
final class FrameAuthenticator {
  static final int VERSION = 2;
  static final int MAC_BYTES = 32;
  static final int KEY_ID_BYTES = 8;
  static final int WINDOW = 1024;
  static final int SESSIONS_PER_MEMBER = 4;
  private static final int MAX_DESTINATIONS = 1024;
  private static final byte[] KEY_ID_LABEL =
      "hybridstore-peer-key-id".getBytes(StandardCharsets.UTF_8);

  private final NodeId self;
  private final Set<NodeId> members;
  private final List<SecretKeySpec> keys;
  private final Map<ByteBuffer, SecretKeySpec> keysById = new HashMap<>();
  private final byte[] signingKeyId;
  private final long windowMillis;
  private final InstantSource time;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Outgoing> outgoing = new ConcurrentHashMap<>();
  private final Map<NodeId, Incoming> incoming = new ConcurrentHashMap<>();
  private volatile Set<String> localAddresses = Set.of();

  FrameAuthenticator(NodeId self, PeerAuthConfig config, InstantSource time) {
    if (!config.authenticated()) {
      throw new IllegalArgumentException("an insecure configuration has no authenticator");
    }
    if (!config.members().contains(self)) {
      throw new InvalidInputException(
          "peerAuth.members", "must include this node (" + self + "), was " + config.members());
    }
    this.self = self;
    this.members = config.members();
    this.time = time;
    this.windowMillis = config.maxFrameAge().toMillis();
    List<SecretKeySpec> k = new ArrayList<>();
    for (String s : config.secrets()) {
      SecretKeySpec key = new SecretKeySpec(s.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
      k.add(key);
      keysById.put(ByteBuffer.wrap(keyId(key)), key);
    }
    this.keys = List.copyOf(k);
    this.signingKeyId = keyId(keys.get(0));
  }

  /**
   * Sets the addresses this node is reached at (its transport's and its advertised one): frames
   * addressed elsewhere are refused. Called once the transport is bound.
   */
  void localAddresses(Set<String> addresses) {
    localAddresses = Set.copyOf(addresses);
  }

  NodeId self() {
    return self;
  }

  /**
   * Seals a body for one destination.
   *
   * @param to the transport address it is sent to
   * @param body the tagged value
   * @return the whole frame
   */
  byte[] seal(String to, byte[] body) {
    Outgoing o = outgoing.get(to);
    if (o == null) {
      if (outgoing.size() >= MAX_DESTINATIONS) {
        outgoing.clear(); // new sessions everywhere: receivers accept them as a restart
      }
      o = outgoing.computeIfAbsent(to, a -> new Outgoing(random.nextLong()));
    }
    return seal(
        keys.get(0),
        signingKeyId,
        self.value(),
        to,
        time.millis(),
        o.session,
        o.seq.incrementAndGet(),
        body);
  }

  /** Builds a frame from explicit parts (also used by tests to forge frames). */
  static byte[] seal(
      SecretKeySpec key,
      byte[] keyId,
      String node,
      String to,
      long millis,
      long session,
      long seq,
      byte[] body) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(body.length + 128);
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      out.writeByte(AllowListMessageCodec.MAGIC_0);
      out.writeByte(AllowListMessageCodec.MAGIC_1);
      out.writeByte(VERSION);
      out.write(keyId);
      out.writeUTF(node);
      out.writeUTF(to);
      out.writeLong(millis);
      out.writeLong(session);
      out.writeLong(seq);
      out.write(body);
      out.flush();
      out.write(mac(key, buffer.toByteArray(), buffer.size()));
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return buffer.toByteArray();
  }

  /**
   * An opened frame.
   *
   * @param node the authenticated sender
   * @param bodyOffset where the body starts in the frame
   * @param bodyLength its length
   */
  record Opened(NodeId node, int bodyOffset, int bodyLength) {}

  /**
   * Verifies a frame and records it as seen.
   *
   * @param frame the whole frame, magic included
   * @return the sender and where the body is
   * @throws WireFormatException with the reason it is refused
   */
  Opened open(byte[] frame) {
    int headerMin = 3 + KEY_ID_BYTES + 2 + 2 + 24;
    if (frame.length < 3
        || frame[0] != AllowListMessageCodec.MAGIC_0
        || frame[1] != AllowListMessageCodec.MAGIC_1) {
      throw new WireFormatException(Kind.MALFORMED, "bad magic: not a HybridStore frame");
    }
    if (frame[2] != VERSION) {
      throw new WireFormatException(
          Kind.UNAUTHENTICATED, "frame version " + frame[2] + " carries no MAC");
    }
    if (frame.length < headerMin + MAC_BYTES) {
      throw new WireFormatException(
          Kind.UNAUTHENTICATED,
          "frame of " + frame.length + " bytes is too short to be authenticated");
    }
    SecretKeySpec key = keysById.get(ByteBuffer.wrap(frame, 3, KEY_ID_BYTES).slice());
    if (key == null) {
      throw new WireFormatException(Kind.UNAUTHENTICATED, "signed with an unknown key");
    }
    int macAt = frame.length - MAC_BYTES;
    byte[] expected = mac(key, frame, macAt);
    if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(frame, macAt, frame.length))) {
      throw new WireFormatException(Kind.UNAUTHENTICATED, "the MAC does not verify");
    }
    // From here on the header was written by a holder of the secret.
    ByteBuffer b = ByteBuffer.wrap(frame, 0, macAt);
    b.position(3 + KEY_ID_BYTES);
    String nodeText = utf(b);
    String to = utf(b);
    if (b.remaining() < 24) {
      throw new WireFormatException(Kind.MALFORMED, "truncated envelope");
    }
    long millis = b.getLong();
    long session = b.getLong();
    long seq = b.getLong();
    NodeId node;
    try {
      node = NodeId.of(nodeText);
    } catch (InvalidInputException e) {
      throw new WireFormatException(Kind.UNKNOWN_MEMBER, "sender is not a node id");
    }
    if (!members.contains(node)) {
      throw new WireFormatException(Kind.UNKNOWN_MEMBER, "sender " + node + " is not a member");
    }
    if (!localAddresses.contains(to)) {
      throw new WireFormatException(
          Kind.MISDIRECTED, "addressed to " + to + ", this node is " + localAddresses);
    }
    long now = time.millis();
    if (Math.abs(now - millis) > windowMillis) {
      throw new WireFormatException(
          Kind.STALE, "timestamp " + (now - millis) + " ms off (window " + windowMillis + " ms)");
    }
    if (!incoming
        .computeIfAbsent(node, n -> new Incoming())
        .accept(session, seq, millis, now, windowMillis)) {
      throw new WireFormatException(
          Kind.REPLAYED, "session " + Long.toHexString(session) + " seq " + seq + " from " + node);
    }
    return new Opened(node, b.position(), macAt - b.position());
  }

  private static String utf(ByteBuffer b) {
    if (b.remaining() < 2) {
      throw new WireFormatException(Kind.MALFORMED, "truncated envelope");
    }
    int n = Short.toUnsignedInt(b.getShort());
    if (n > b.remaining() || n > 1024) {
      throw new WireFormatException(Kind.MALFORMED, "envelope string of " + n + " bytes");
    }
    byte[] bytes = new byte[n];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Returns the id a frame signed with this secret carries. */
  static byte[] keyId(SecretKeySpec key) {
    return Arrays.copyOf(mac(key, KEY_ID_LABEL, KEY_ID_LABEL.length), KEY_ID_BYTES);
  }

  private static final ThreadLocal<Map<SecretKeySpec, Mac>> STATIC_MACS =
      ThreadLocal.withInitial(HashMap::new);

  private static byte[] mac(SecretKeySpec key, byte[] data, int length) {
    Mac mac =
        STATIC_MACS
            .get()
            .computeIfAbsent(
                key,
                k -> {
                  try {
                    Mac m = Mac.getInstance("HmacSHA256");
                    m.init(k);
                    return m;
                  } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("every JVM has HmacSHA256", e);
                  }
                });
    mac.update(data, 0, length);
    return mac.doFinal();
  }

  /** The sender's side of one destination: a random session and a counter. */
  private static final class Outgoing {
    final long session;
    final AtomicLong seq = new AtomicLong();

    Outgoing(long session) {
      this.session = session;
    }
  }

  /** The receiver's replay state for one member: a few sessions, each with a sliding window. */
  private static final class Incoming {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Window> sessions = new ArrayList<>(SESSIONS_PER_MEMBER);

    boolean accept(long session, long seq, long millis, long now, long windowMillis) {
      lock.lock();
      try {
        // A session idle for twice the window can only be replayed with stale frames: forget it.
        sessions.removeIf(w -> now - w.lastSeenMillis > 2 * windowMillis);
        Window w = null;
        for (Window s : sessions) {
          if (s.session == session) {
            w = s;
          }
        }
        if (w == null) {
          if (sessions.size() >= SESSIONS_PER_MEMBER) {
            Window oldest = sessions.get(0);
            for (Window s : sessions) {
              if (s.lastSeenMillis < oldest.lastSeenMillis) {
                oldest = s;
              }
            }
            sessions.remove(oldest);
          }
          w = new Window(session);
          sessions.add(w);
        }
        boolean fresh = w.accept(seq);
        if (fresh) {
          w.lastSeenMillis = Math.max(w.lastSeenMillis, Math.max(now, millis));
        }
        return fresh;
      } finally {
        lock.unlock();
      }
    }
  }

  /** RFC 4303-style anti-replay window over the last {@value #WINDOW} sequence numbers. */
  private static final class Window {
    final long session;
    long highest = -1;
    long lastSeenMillis;
    final long[] bits = new long[WINDOW / 64];

    Window(long session) {
      this.session = session;
    }

    boolean accept(long seq) {
      if (seq <= 0) {
        return false;
      }
      if (highest < 0 || seq > highest) {
        long advance = highest < 0 ? WINDOW : seq - highest;
        if (advance >= WINDOW) {
          Arrays.fill(bits, 0);
        } else {
          for (long s = highest + 1; s < seq; s++) {
            clear(s);
          }
        }
        highest = seq;
        set(seq);
        return true;
      }
      if (highest - seq >= WINDOW || isSet(seq)) {
        return false;
      }
      set(seq);
      return true;
    }

    private void set(long seq) {
      int i = (int) Math.floorMod(seq, (long) WINDOW);
      bits[i >>> 6] |= 1L << (i & 63);
    }

    private void clear(long seq) {
      int i = (int) Math.floorMod(seq, (long) WINDOW);
      bits[i >>> 6] &= ~(1L << (i & 63));
    }

    private boolean isSet(long seq) {
      int i = (int) Math.floorMod(seq, (long) WINDOW);
      return (bits[i >>> 6] & (1L << (i & 63))) != 0;
    }
  }
}
