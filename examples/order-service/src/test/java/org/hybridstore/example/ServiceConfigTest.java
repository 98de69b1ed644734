package org.hybridstore.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.hybridstore.InvalidInputException;
import org.junit.jupiter.api.Test;

/** The Jolokia flags and their secure defaults. */
class ServiceConfigTest {
  private static final String[] REQUIRED = {
    "--node-id",
    "n1",
    "--etcd",
    "http://127.0.0.1:2379",
    "--data-dir",
    "/tmp/x",
    "--peer-insecure",
    "true"
  };

  @Test
  void jolokiaIsReadOnlyOnLocalhostOnAFreePortByDefault() {
    ServiceConfig c = ServiceConfig.parse(REQUIRED, Map.of());
    assertThat(c.jolokia()).isEqualTo(ServiceConfig.JolokiaSettings.readOnly());
    assertThat(c.jolokia().enabled()).isTrue();
    assertThat(c.jolokia().host()).isEqualTo("127.0.0.1");
    assertThat(c.jolokia().port()).isZero();
    assertThat(c.jolokia().operations()).isFalse();
  }

  @Test
  void operationsNeedCredentials() {
    assertThatThrownBy(() -> ServiceConfig.parse(args("--jolokia-operations", "true"), Map.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("jolokia-user");
    assertThatThrownBy(
            () ->
                ServiceConfig.parse(
                    args("--jolokia-operations", "true", "--jolokia-user", "op"), Map.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("jolokia-password");
    ServiceConfig c =
        ServiceConfig.parse(
            args("--jolokia-operations", "true", "--jolokia-user", "op"),
            Map.of("JOLOKIA_PASSWORD", "pw", "JOLOKIA_HOST", "0.0.0.0", "JOLOKIA_PORT", "8778"));
    assertThat(c.jolokia())
        .isEqualTo(new ServiceConfig.JolokiaSettings(true, "0.0.0.0", 8778, true, "op", "pw"));
    assertThat(c.jolokia().toString()).doesNotContain("pw");
  }

  @Test
  void jolokiaCanBeTurnedOff() {
    assertThat(ServiceConfig.parse(args("--jolokia", "false"), Map.of()).jolokia().enabled())
        .isFalse();
    assertThatThrownBy(() -> ServiceConfig.parse(args("--jolokia", "maybe"), Map.of()))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ServiceConfig.parse(args("--jolokia-port", "70000"), Map.of()))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void peerAuthentication_isRequired_unlessInsecureIsSaid() {
    String[] bare = {"--node-id", "n1", "--etcd", "http://127.0.0.1:2379", "--data-dir", "/tmp/x"};
    assertThatThrownBy(() -> ServiceConfig.parse(bare, Map.of()))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("peer-secret-file"));
    ServiceConfig c =
        ServiceConfig.parse(
            bare,
            Map.of(
                "PEER_MEMBERS",
                "n1, n2,n3",
                "PEER_SECRET",
                "a-cluster-secret-of-enough-length-0123456789"));
    assertThat(c.ap().peerAuth().authenticated()).isTrue();
    assertThat(c.ap().peerAuth().members()).hasSize(3);
    assertThat(c.toString()).doesNotContain("a-cluster-secret");
    assertThat(ServiceConfig.parse(REQUIRED, Map.of()).ap().peerAuth().authenticated()).isFalse();
  }

  @Test
  void testEndpoints_offByDefault_andNeedAnAdminToken() {
    ServiceConfig c = ServiceConfig.parse(REQUIRED, Map.of());
    assertThat(c.http().testEndpoints()).isFalse();
    assertThat(c.http().apiToken()).isEmpty();
    assertThatThrownBy(() -> ServiceConfig.parse(args("--test-endpoints", "true"), Map.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("admin-token");
    ServiceConfig t =
        ServiceConfig.parse(
            args("--test-endpoints", "true", "--max-clock-offset-ms", "500"),
            Map.of("ADMIN_TOKEN", "s3cr3t-admin-value", "API_TOKEN", "s3cr3t-api-value"));
    assertThat(t.http().clockOffsetLimit()).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(t.switchover().maxClockOffset()).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(t.http().toString()).doesNotContain("s3cr3t");
  }

  private static String[] args(String... more) {
    String[] all = new String[REQUIRED.length + more.length];
    System.arraycopy(REQUIRED, 0, all, 0, REQUIRED.length);
    System.arraycopy(more, 0, all, REQUIRED.length, more.length);
    return all;
  }
}
