package org.hybridstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class CpConfigTest {
  private static final List<URI> ENDPOINTS = List.of(URI.create("http://127.0.0.1:2379"));

  private static CpConfig.Builder base() {
    return CpConfig.builder().endpoints(ENDPOINTS);
  }

  private static void rejects(UnaryOperator<CpConfig.Builder> change, String field) {
    assertThatThrownBy(() -> change.apply(base()).build())
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  @Test
  void build_defaults_matchEtcdsDefaultLimits() {
    CpConfig c = base().build();
    assertThat(c.maxTxnOps()).isEqualTo(CpConfig.DEFAULT_MAX_TXN_OPS).isEqualTo(128);
    assertThat(c.maxRequestBytes())
        .isEqualTo(CpConfig.DEFAULT_MAX_REQUEST_BYTES)
        .isEqualTo(1_572_864);
    assertThat(c.txnsInFlight()).isEqualTo(CpConfig.DEFAULT_TXNS_IN_FLIGHT);
    assertThat(c.groupCommitLinger()).isEqualTo(CpConfig.DEFAULT_GROUP_COMMIT_LINGER);
    assertThat(c.memberCheckInterval()).isEqualTo(CpConfig.DEFAULT_MEMBER_CHECK_INTERVAL);
    assertThat(c.casBackoff()).isEqualTo(CpConfig.DEFAULT_CAS_BACKOFF);
    assertThat(c.retryBackoff()).isEqualTo(CpConfig.DEFAULT_RETRY_BACKOFF);
    assertThat(c.watchBackoff()).isEqualTo(CpConfig.DEFAULT_WATCH_BACKOFF);
  }

  @Test
  void build_invalidNewFields_nameTheField() {
    rejects(b -> b.maxTxnOps(0), "maxTxnOps");
    rejects(b -> b.maxRequestBytes(OrderLimits.MAX_RECORD_BYTES), "maxRequestBytes");
    rejects(b -> b.txnsInFlight(0), "txnsInFlight");
    rejects(b -> b.groupCommitLinger(Duration.ofMillis(-1)), "groupCommitLinger");
    rejects(
        b -> b.groupCommitLinger(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(1)),
        "groupCommitLinger");
    rejects(b -> b.memberCheckInterval(Duration.ZERO), "memberCheckInterval");
    rejects(b -> b.casBackoff(null), "casBackoff");
    assertThatThrownBy(() -> new CpConfig.Backoff(Duration.ZERO, Duration.ofMillis(5)))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("backoff.initial"));
    assertThatThrownBy(() -> new CpConfig.Backoff(Duration.ofNanos(10), Duration.ofMillis(5)))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("backoff.initial"));
    assertThatThrownBy(() -> new CpConfig.Backoff(Duration.ofMillis(10), Duration.ofMillis(5)))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("backoff.max"));
  }

  @Test
  void toBuilder_copiesEveryField() {
    CpConfig c =
        base()
            .keyPrefix("/x/")
            .requestTimeout(Duration.ofMillis(700))
            .connectTimeout(Duration.ofMillis(300))
            .maxCasRetries(3)
            .credentials("u", "p")
            .maxTxnOps(64)
            .maxRequestBytes(1 << 20)
            .txnsInFlight(2)
            .groupCommitLinger(Duration.ofMillis(1))
            .memberCheckInterval(Duration.ofMillis(50))
            .casBackoff(new CpConfig.Backoff(Duration.ofMillis(2), Duration.ofMillis(20)))
            .retryBackoff(new CpConfig.Backoff(Duration.ofMillis(3), Duration.ofMillis(30)))
            .watchBackoff(new CpConfig.Backoff(Duration.ofMillis(4), Duration.ofMillis(40)))
            .build();
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }

  @Test
  void firstVersionConstructor_defaultsTheLaterFields() {
    CpConfig c =
        new CpConfig(
            ENDPOINTS,
            CpConfig.DEFAULT_KEY_PREFIX,
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            4,
            null,
            null,
            null);
    assertThat(c).isEqualTo(base().requestTimeout(Duration.ofSeconds(1)).maxCasRetries(4).build());
  }
}
