package org.hybridstore.ap.internal.gossip;

import io.scalecube.cluster.transport.api.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.hybridstore.ap.internal.wire.WireMessage;

/**
 * Builds frames the way a member, an outsider or an attacker would: for tests of what a node
 * refuses.
 */
final class Frames {
  private Frames() {}

  static SecretKeySpec key(String secret) {
    return new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
  }

  /** A ScaleCube message carrying one of our wire messages, as a peer's transport sends it. */
  static Message wire(WireMessage m, String senderAddress) {
    return Message.withHeaders(Map.of("sender", senderAddress))
        .qualifier(ScaleCubeNetwork.QUALIFIER)
        .data(m)
        .build();
  }

  /** A message no handler acts on (an unknown qualifier): accepting it changes nothing. */
  static Message noop(String senderAddress) {
    return Message.withHeaders(Map.of("sender", senderAddress)).qualifier("test/noop").build();
  }

  static byte[] body(Message m) {
    try {
      return AllowListMessageCodec.encodeBody(m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Seals a body as {@code node} with {@code secret}, addressed to {@code to}. */
  static byte[] sealed(
      String secret, String node, String to, long millis, long session, long seq, byte[] body) {
    SecretKeySpec k = key(secret);
    return FrameAuthenticator.seal(
        k, FrameAuthenticator.keyId(k), node, to, millis, session, seq, body);
  }

  /** A plaintext frame (format version 1): what an insecure node sends. */
  static byte[] plaintext(byte[] body) {
    byte[] frame = new byte[body.length + 3];
    frame[0] = 'H';
    frame[1] = 'S';
    frame[2] = 1;
    System.arraycopy(body, 0, frame, 3, body.length);
    return frame;
  }
}
