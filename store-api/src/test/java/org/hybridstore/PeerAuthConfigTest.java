package org.hybridstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerAuthConfigTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-secret";

  @TempDir Path dir;

  @Test
  void apConfig_withoutPeerAuth_isRefused() {
    assertThatThrownBy(() -> ApConfig.builder(dir).build())
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("peerAuth"));
    assertThat(
            ApConfig.builder(dir)
                .peerAuth(PeerAuthConfig.insecure())
                .build()
                .peerAuth()
                .authenticated())
        .isFalse();
  }

  @Test
  void build_shortSecretOrNoMembers_isRefused() {
    assertThatThrownBy(
            () ->
                PeerAuthConfig.builder()
                    .members(List.of(NodeId.of("n1")))
                    .secrets(List.of("short"))
                    .build())
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("peerAuth.secrets"));
    assertThatThrownBy(() -> PeerAuthConfig.builder().secrets(List.of(SECRET)).build())
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("peerAuth.members"));
  }

  @Test
  void secretFiles_areReadTrimmedInOrder_andNeverPrinted() throws Exception {
    Path current = Files.writeString(dir.resolve("current"), SECRET + "-new\n");
    Path previous = Files.writeString(dir.resolve("previous"), SECRET + "-old\n");
    PeerAuthConfig c =
        PeerAuthConfig.builder()
            .members(List.of(NodeId.of("n1"), NodeId.of("n2")))
            .secretFiles(List.of(current, previous))
            .build();
    assertThat(c.secrets()).containsExactly(SECRET + "-new", SECRET + "-old");
    assertThat(c.toString()).doesNotContain(SECRET).contains("redacted");
    assertThat(ApConfig.builder(dir).peerAuth(c).build().toString()).doesNotContain(SECRET);
  }

  @Test
  void secretFiles_missingOrEmpty_namesTheFile() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), "  \n");
    assertThatThrownBy(() -> PeerAuthConfig.readSecretFiles(List.of(empty)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(empty.toString());
    assertThatThrownBy(() -> PeerAuthConfig.readSecretFiles(List.of(dir.resolve("missing"))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void peerQueueBytes_belowTwoMessages_isRefused() {
    assertThatThrownBy(
            () ->
                ApConfig.builder(dir)
                    .peerAuth(PeerAuthConfig.insecure())
                    .maxMessageBytes(1 << 20)
                    .peerQueueBytes(1 << 20)
                    .build())
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("peerQueueBytes"));
  }
}
