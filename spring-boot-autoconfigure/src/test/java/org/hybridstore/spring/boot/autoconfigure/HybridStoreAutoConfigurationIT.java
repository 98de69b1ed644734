package org.hybridstore.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hybridstore.Acceptance;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.TestCertificates;
import org.hybridstore.spring.boot.actuate.HybridStoreEndpoint;
import org.hybridstore.spring.boot.actuate.HybridStoreHealthIndicator;
import org.hybridstore.spring.boot.actuate.HybridStoreView;
import org.hybridstore.switchover.HybridOrderStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The auto-configured store against a real etcd process that requires TLS with client certificates
 * and authentication: the TLS and credential properties reaching jetcd, the health contributor's
 * UP, and the endpoint's operator tools moving the mode. (Quorum loss on a 3-member cluster:
 * examples/spring-order-service's {@code OrderServiceIT}.)
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HybridStoreAutoConfigurationIT {
  // Generous: on a loaded CI machine (load 28 on 2 cores was seen) TLS probes take seconds.
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static ApplicationContextRunner runner(Path dir, String nodeId) {
    return new ApplicationContextRunner()
        .withInitializer(
            c ->
                new HybridStoreEnvironmentPostProcessor()
                    .postProcessEnvironment(c.getEnvironment(), new SpringApplication()))
        .withConfiguration(
            AutoConfigurations.of(
                HybridStoreAutoConfiguration.class,
                HybridStoreHealthAutoConfiguration.class,
                HybridStoreEndpointAutoConfiguration.class,
                HealthContributorAutoConfiguration.class,
                HealthContributorRegistryAutoConfiguration.class,
                HealthEndpointAutoConfiguration.class,
                EndpointAutoConfiguration.class,
                MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class))
        .withPropertyValues(
            "spring.jmx.enabled=true",
            "management.endpoints.jmx.exposure.include=*",
            "hybridstore.node-id=" + nodeId,
            "hybridstore.journal.data-dir=" + dir.resolve(nodeId),
            "hybridstore.gossip.security.members=" + nodeId,
            "hybridstore.gossip.security.secrets=a-cluster-secret-of-at-least-32-bytes",
            "hybridstore.etcd.key-prefix=/it-" + nodeId + "/",
            "hybridstore.switchover.stable-period=300ms",
            // this test is about wiring, not probe timing: do not degrade on a slow machine
            "hybridstore.switchover.probe-timeout=2s",
            "hybridstore.etcd.request-timeout=5s");
  }

  // One member, TLS with client certificates and authentication: every hybridstore.etcd.* setting
  // has to reach jetcd for the store to see quorum at all.
  @RegisterExtension
  static final EtcdClusterExtension etcd =
      EtcdClusterExtension.builder()
          .withNodes(1)
          .withTls(true)
          .withAuth("orders", "orders-secret")
          .build();

  @TempDir Path dir;

  private ApplicationContextRunner secured(String nodeId, String password) {
    TestCertificates pki = etcd.certificates();
    assertThat(pki).isNotNull();
    return runner(dir, nodeId)
        .withPropertyValues(
            "hybridstore.etcd.endpoints=" + etcd.clientEndpoints().get(0),
            "hybridstore.etcd.tls.ca-cert=" + pki.caCert(),
            "hybridstore.etcd.tls.client-cert=" + pki.clientCert(),
            "hybridstore.etcd.tls.client-key=" + pki.clientKey(),
            "hybridstore.etcd.user=orders",
            "hybridstore.etcd.password=" + password);
  }

  @Test
  void health_strongThenForcedDegradeThenReconciled_upDegradedUp() {
    secured("node-1", "orders-secret")
        .run(
            context -> {
              HybridOrderStore store = context.getBean(HybridOrderStore.class);
              HybridStoreHealthIndicator health = context.getBean(HybridStoreHealthIndicator.class);
              HybridStoreEndpoint endpoint = context.getBean(HybridStoreEndpoint.class);
              // Given a store that reached etcd over TLS with the configured credentials (a cold
              // JVM on a
              // loaded machine can miss the first probe's deadline and start DEGRADED: wait for
              // STRONG)
              await().atMost(WAIT).until(() -> store.mode() == ConsistencyMode.STRONG);
              assertThat(health.health().getStatus()).isEqualTo(Status.UP);
              // the member's state comes from the MXBean (refreshed at most once per second)
              await()
                  .atMost(WAIT)
                  .untilAsserted(
                      () ->
                          assertThat(
                                  ((HybridStoreView.Etcd) health.health().getDetails().get("etcd"))
                                      .members()
                                      .values())
                              .singleElement()
                              .asString()
                              .contains("leader="));
              assertThat(
                      store
                          .sync()
                          .apply(
                              OrderCommand.Create.of(
                                  OrderId.of("o-1"), OpId.random(), "c-1", "EUR"))
                          .acceptance())
                  .isEqualTo(Acceptance.STRONG);

              // When an operator forces a degrade through the endpoint
              endpoint.operate(HybridStoreEndpoint.FORCE_DEGRADE, "etcd maintenance");
              // Then health says DEGRADED, and writes are still acknowledged (provisionally)
              await()
                  .atMost(WAIT)
                  .until(
                      () ->
                          health.health().getStatus().equals(HybridStoreHealthIndicator.DEGRADED));
              assertThat(endpoint.view().lastTransitionReason()).contains("etcd maintenance");
              assertThat(
                      store
                          .sync()
                          .apply(
                              OrderCommand.Create.of(
                                  OrderId.of("o-2"), OpId.random(), "c-1", "EUR"))
                          .acceptance())
                  .isEqualTo(Acceptance.PROVISIONAL);

              // When the operator asks to reconcile
              endpoint.operate(HybridStoreEndpoint.RECONCILE, null);
              // Then the store folds the provisional write into etcd and is UP again
              await()
                  .atMost(WAIT)
                  .until(
                      () ->
                          health.health().getStatus().equals(Status.UP)
                              && store.mode() == ConsistencyMode.STRONG
                              && store.backlogSize() == 0);
              assertThat(endpoint.view().writes())
                  .satisfies(
                      w -> {
                        assertThat(w.strong()).isEqualTo(1);
                        assertThat(w.provisional()).isEqualTo(1);
                      });
            });
  }

  @Test
  void store_wrongPassword_startsButNotUp() {
    secured("node-2", "wrong")
        .run(
            context -> {
              // A store that cannot authenticate has no strong path: it must not report UP
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(HybridStoreHealthIndicator.class).health().getStatus())
                  .isNotEqualTo(Status.UP);
            });
  }
}
