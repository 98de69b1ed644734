package org.hybridstore.ap.internal.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.ap.internal.wire.WireFormatException;
import org.hybridstore.ap.internal.wire.WireFormatException.Kind;
import org.junit.jupiter.api.Test;

class FrameAuthenticatorTest {
  static final String SECRET = "frame-test-secret-0123456789abcdef!!";
  static final String NEXT = "frame-test-next-secret-0123456789abcdef";
  static final String TO = "127.0.0.1:7001";
  private final Now time = new Now(1_000_000);
  private final FrameAuthenticator receiver = authenticator("n1", List.of(SECRET));
  private final byte[] body = {1, 2, 3};

  static final class Now implements InstantSource {
    long millis;

    Now(long millis) {
      this.millis = millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  private FrameAuthenticator authenticator(String self, List<String> secrets) {
    PeerAuthConfig c =
        PeerAuthConfig.builder()
            .members(List.of(NodeId.of("n1"), NodeId.of("n2")))
            .secrets(secrets)
            .maxFrameAge(Duration.ofSeconds(30))
            .build();
    FrameAuthenticator a = new FrameAuthenticator(NodeId.of(self), c, time);
    a.localAddresses(Set.of(TO));
    return a;
  }

  private static Kind refusal(Runnable r) {
    try {
      r.run();
    } catch (WireFormatException e) {
      return e.kind();
    }
    throw new AssertionError("accepted");
  }

  @Test
  void open_sealedByAMember_returnsTheSenderAndTheBody() {
    byte[] frame = authenticator("n2", List.of(SECRET)).seal(TO, body);
    FrameAuthenticator.Opened o = receiver.open(frame);
    assertThat(o.node()).isEqualTo(NodeId.of("n2"));
    assertThat(java.util.Arrays.copyOfRange(frame, o.bodyOffset(), o.bodyOffset() + o.bodyLength()))
        .containsExactly(body);
  }

  @Test
  void open_replayed_refusedEvenOutOfOrderWithinTheWindow() {
    FrameAuthenticator sender = authenticator("n2", List.of(SECRET));
    byte[] first = sender.seal(TO, body);
    byte[] second = sender.seal(TO, body);
    receiver.open(second);
    receiver.open(first); // reordered, not replayed
    assertThat(refusal(() -> receiver.open(first))).isEqualTo(Kind.REPLAYED);
    assertThat(refusal(() -> receiver.open(second))).isEqualTo(Kind.REPLAYED);
  }

  @Test
  void open_farBehindTheWindow_refusedAsReplayed() {
    FrameAuthenticator sender = authenticator("n2", List.of(SECRET));
    byte[] old = sender.seal(TO, body);
    for (int i = 0; i < FrameAuthenticator.WINDOW + 1; i++) {
      receiver.open(sender.seal(TO, body));
    }
    assertThat(refusal(() -> receiver.open(old))).isEqualTo(Kind.REPLAYED);
  }

  @Test
  void open_wrongSecretTamperedOrPlaintext_refusedAsUnauthenticated() {
    byte[] foreign = authenticator("n2", List.of(NEXT)).seal(TO, body);
    assertThat(refusal(() -> receiver.open(foreign))).isEqualTo(Kind.UNAUTHENTICATED);
    byte[] tampered = authenticator("n2", List.of(SECRET)).seal(TO, body);
    tampered[tampered.length - 40] ^= 1;
    assertThat(refusal(() -> receiver.open(tampered))).isEqualTo(Kind.UNAUTHENTICATED);
    assertThat(refusal(() -> receiver.open(Frames.plaintext(body))))
        .isEqualTo(Kind.UNAUTHENTICATED);
  }

  @Test
  void open_unknownMemberMisdirectedOrStale_refusedWithItsReason() {
    byte[] outsider = Frames.sealed(SECRET, "n9", TO, time.millis, 1, 1, body);
    assertThat(refusal(() -> receiver.open(outsider))).isEqualTo(Kind.UNKNOWN_MEMBER);
    byte[] elsewhere = Frames.sealed(SECRET, "n2", "127.0.0.1:7002", time.millis, 1, 1, body);
    assertThat(refusal(() -> receiver.open(elsewhere))).isEqualTo(Kind.MISDIRECTED);
    byte[] stale = Frames.sealed(SECRET, "n2", TO, time.millis - 30_001, 1, 1, body);
    assertThat(refusal(() -> receiver.open(stale))).isEqualTo(Kind.STALE);
    byte[] future = Frames.sealed(SECRET, "n2", TO, time.millis + 30_001, 1, 1, body);
    assertThat(refusal(() -> receiver.open(future))).isEqualTo(Kind.STALE);
  }

  @Test
  void rotation_bothSecretsVerify_theFirstSigns() {
    FrameAuthenticator during = authenticator("n1", List.of(NEXT, SECRET));
    assertThat(during.open(authenticator("n2", List.of(SECRET)).seal(TO, body)).node())
        .isEqualTo(NodeId.of("n2"));
    assertThat(during.open(authenticator("n2", List.of(NEXT, SECRET)).seal(TO, body)).node())
        .isEqualTo(NodeId.of("n2"));
    // A node that has not got the new secret yet refuses what is signed with it
    assertThat(refusal(() -> receiver.open(during.seal(TO, body)))).isEqualTo(Kind.UNAUTHENTICATED);
  }

  @Test
  void restartedSender_newSessionAccepted_oldSessionStillGuarded() {
    FrameAuthenticator before = authenticator("n2", List.of(SECRET));
    byte[] old = before.seal(TO, body);
    receiver.open(old);
    FrameAuthenticator after =
        authenticator("n2", List.of(SECRET)); // a restart: a new random session
    receiver.open(after.seal(TO, body));
    assertThat(refusal(() -> receiver.open(old))).isEqualTo(Kind.REPLAYED);
    // Once the old session is idle for twice the window, its frames are stale anyway
    time.millis += 61_000;
    assertThat(refusal(() -> receiver.open(old))).isEqualTo(Kind.STALE);
  }

  @Test
  void selfNotAMember_refusedAtStart() {
    PeerAuthConfig c =
        PeerAuthConfig.builder().members(List.of(NodeId.of("n2"))).secrets(List.of(SECRET)).build();
    assertThatThrownBy(() -> new FrameAuthenticator(NodeId.of("n1"), c, time))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("peerAuth.members"));
  }
}
