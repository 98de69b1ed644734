package org.hybridstore.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hybridstore.cp.testing.Stages.join;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hybridstore.CpConfig;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.TestBackendContext;
import org.hybridstore.cp.testing.TestCertificates;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.QuorumStatus;
import org.hybridstore.spi.StrongBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Production connection settings: TLS with client certificates, and user/password auth. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdTlsAuthIT {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(EtcdTlsAuthIT.class);

  @RegisterExtension
  static final EtcdClusterExtension cluster =
      EtcdClusterExtension.builder()
          .withNodes(3)
          .withHeartbeat(50)
          .withElectionTimeout(500)
          .withPreVote(true)
          .withTls(true)
          .withAuth("root", "s3cret")
          .build();

  static TestBackendContext ctx;

  @BeforeAll
  static void open() {
    ctx = new TestBackendContext("n1");
  }

  @AfterAll
  static void close() {
    ctx.close();
  }

  private static StrongBackend backend(CpConfig config) {
    return EtcdBackendFactory.of(config).create(ctx.context());
  }

  @Test
  void write_overTlsWithPassword_works() {
    try (StrongBackend backend = backend(cluster.cpConfig().build())) {
      assertThat(cluster.clientEndpoints())
          .allSatisfy(u -> assertThat(u.getScheme()).isEqualTo("https"));
      OrderId id = OrderId.of("tls-1");
      BackendWrite w = join(backend.apply(OrderCommand.Create.of(id, OpId.random(), "c", "EUR")));
      assertThat(join(backend.read(id, ReadConsistency.LINEARIZABLE))).contains(w.record());
      QuorumStatus probe = join(backend.probe(Duration.ofSeconds(2)));
      assertThat(probe.quorum()).as(probe.detail()).isTrue();
    }
  }

  @Test
  void wrongCa_failsDefinitelyWithTlsMessage() {
    TestCertificates certs = cluster.certificates();
    CpConfig wrong =
        cluster
            .cpConfig()
            .tls(new CpConfig.Tls(certs.otherCaCert(), certs.clientCert(), certs.clientKey()))
            .build();
    try (StrongBackend backend = backend(wrong)) {
      long start = System.nanoTime();
      LOG.info(
          "wrong CA: {}",
          org.assertj.core.api.Assertions.catchThrowable(
                  () ->
                      join(
                          backend.apply(
                              OrderCommand.Create.of(
                                  OrderId.of("tls-bad-ca-0"), OpId.random(), "c", "EUR"))))
              .getMessage());
      assertThatThrownBy(
              () ->
                  join(
                      backend.apply(
                          OrderCommand.Create.of(
                              OrderId.of("tls-bad-ca"), OpId.random(), "c", "EUR"))))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("TLS")
          .hasMessageContaining("not applied");
      assertThatThrownBy(
              () -> join(backend.read(OrderId.of("tls-1"), ReadConsistency.LINEARIZABLE)))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("TLS");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
          .isLessThan(2 * CpConfig.DEFAULT_REQUEST_TIMEOUT.toMillis() + 1000);
      QuorumStatus probe = join(backend.probe(Duration.ofSeconds(1)));
      assertThat(probe.quorum()).isFalse();
    }
  }

  @Test
  void wrongPassword_failsDefinitelyWithAuthMessage() {
    CpConfig wrong = cluster.cpConfig().credentials("root", "guess").build();
    try (StrongBackend backend = backend(wrong)) {
      LOG.info(
          "wrong password: {}",
          org.assertj.core.api.Assertions.catchThrowable(
                  () ->
                      join(
                          backend.apply(
                              OrderCommand.Create.of(
                                  OrderId.of("auth-bad-0"), OpId.random(), "c", "EUR"))))
              .getMessage());
      assertThatThrownBy(
              () ->
                  join(
                      backend.apply(
                          OrderCommand.Create.of(
                              OrderId.of("auth-bad"), OpId.random(), "c", "EUR"))))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("authentication failed")
          .hasMessageContaining("not applied");
      assertThatThrownBy(
              () -> join(backend.read(OrderId.of("tls-1"), ReadConsistency.SERIALIZABLE)))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("authentication failed");
    }
  }

  @Test
  void noCredentials_onAuthEnabledCluster_failsDefinitely() {
    TestCertificates certs = cluster.certificates();
    CpConfig anonymous =
        CpConfig.builder()
            .endpoints(cluster.clientEndpoints())
            .tls(new CpConfig.Tls(certs.caCert(), certs.clientCert(), certs.clientKey()))
            .build();
    try (StrongBackend backend = backend(anonymous)) {
      // the client certificate's CN names no etcd user, so etcd refuses the request
      assertThatThrownBy(
              () ->
                  join(
                      backend.apply(
                          OrderCommand.Create.of(
                              OrderId.of("auth-none"), OpId.random(), "c", "EUR"))))
          .isInstanceOf(StoreUnavailableException.class);
    }
  }
}
