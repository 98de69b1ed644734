package org.hybridstore.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.hybridstore.ApConfig;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.CpConfig;
import org.hybridstore.NodeId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.cp.EtcdBackendFactory;
import org.hybridstore.spring.boot.actuate.HybridStoreEndpoint;
import org.hybridstore.spring.boot.actuate.HybridStoreEndpointWebExtension;
import org.hybridstore.spring.boot.actuate.HybridStoreHealthIndicator;
import org.hybridstore.spring.boot.actuate.HybridStoreView;
import org.hybridstore.switchover.HybridOrderStore;
import org.hybridstore.switchover.SwitchoverListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.validation.FieldError;

/**
 * The auto-configuration in application contexts, with a real store whose etcd does not answer (a
 * closed loopback port): it starts DEGRADED, which is the mode the health mapping has to get right.
 * A healthy etcd is {@code HybridStoreAutoConfigurationIT}'s.
 */
@ExtendWith(OutputCaptureExtension.class)
class HybridStoreAutoConfigurationTest {
  private static final AtomicInteger NODES = new AtomicInteger();
  private static final String SECRET = "a-cluster-secret-of-at-least-32-bytes";

  @TempDir Path dir;

  private final String deadEtcd = "http://127.0.0.1:" + closedPort();

  private final ApplicationContextRunner store =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(HybridStoreAutoConfiguration.class));

  private final ApplicationContextRunner actuator =
      new ApplicationContextRunner()
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
              "spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=*");

  private String[] required() {
    int n = NODES.incrementAndGet();
    return new String[] {
      "hybridstore.node-id=test-" + n,
      "hybridstore.etcd.endpoints=" + deadEtcd,
      "hybridstore.gossip.security.members=test-" + n + ",test-peer",
      "hybridstore.gossip.security.secrets=" + SECRET,
      "hybridstore.journal.data-dir=" + dir.resolve("journal-" + NODES.get()),
      // a dead etcd fails the first probe at once; keep the start short anyway
      "hybridstore.switchover.probe-timeout=200ms",
      "hybridstore.etcd.connect-timeout=200ms"
    };
  }

  @Test
  void store_fromProperties_isBuiltAndStarted() {
    store
        .withPropertyValues(required())
        .withPropertyValues(
            "hybridstore.name=orders-a",
            "hybridstore.etcd.key-prefix=/shop/orders/",
            "hybridstore.switchover.stable-period=3s",
            "hybridstore.gossip.seeds=127.0.0.1:" + closedPort() + ",localhost:" + closedPort())
        .run(
            context -> {
              // Then one store, named and configured from the properties
              assertThat(context).hasSingleBean(HybridOrderStore.class);
              HybridOrderStore s = context.getBean(HybridOrderStore.class);
              assertThat(s.name()).isEqualTo("orders-a");
              assertThat(s.mode()).isEqualTo(ConsistencyMode.DEGRADED);
              HybridStoreProperties p = context.getBean(HybridStoreProperties.class);
              assertThat(p.toCpConfig().keyPrefix()).isEqualTo("/shop/orders/");
              assertThat(p.toSwitchoverConfig().stablePeriod()).isEqualTo(Duration.ofSeconds(3));
              assertThat(p.toApConfig().seeds())
                  .hasSize(2)
                  .allMatch(seed -> seed.matches("(127.0.0.1|localhost):\\d+"));
            });
  }

  @Test
  void store_contextClosed_storeClosed() {
    HybridOrderStore[] started = new HybridOrderStore[1];
    store
        .withPropertyValues(required())
        .run(context -> started[0] = context.getBean(HybridOrderStore.class));
    // Then the MXBean is gone: close() ran (it unregisters it last but one, after stopping probes)
    assertThat(started[0].objectName()).isPresent();
    assertThat(
            java.lang.management.ManagementFactory.getPlatformMBeanServer()
                .isRegistered(started[0].objectName().orElseThrow()))
        .isFalse();
  }

  @Test
  void properties_defaults_areTheStoresDefaults() {
    store
        .withPropertyValues(required())
        .run(
            context -> {
              HybridStoreProperties p = context.getBean(HybridStoreProperties.class);
              // Then nothing the store defaults is changed by the starter (only the two timeouts
              // set above)
              assertThat(
                      p.toSwitchoverConfig().toBuilder()
                          .probeTimeout(org.hybridstore.SwitchoverConfig.DEFAULT_PROBE_TIMEOUT)
                          .build())
                  .isEqualTo(org.hybridstore.SwitchoverConfig.ofDefaults());
              CpConfig cp = p.toCpConfig();
              assertThat(cp.toBuilder().connectTimeout(CpConfig.DEFAULT_CONNECT_TIMEOUT).build())
                  .isEqualTo(CpConfig.builder().endpoints(cp.endpoints()).build());
              ApConfig ap = p.toApConfig();
              assertThat(ap)
                  .isEqualTo(ApConfig.builder(ap.dataDir()).peerAuth(ap.peerAuth()).build());
              assertThat(p.storeName()).isEqualTo(p.nodeId());
              // peers authenticate with the secret by default
              assertThat(ap.peerAuth().mode()).isEqualTo(PeerAuthConfig.Mode.HMAC);
              assertThat(ap.peerAuth().maxFrameAge())
                  .isEqualTo(PeerAuthConfig.DEFAULT_MAX_FRAME_AGE);
              assertThat(ap.peerAuth().members())
                  .containsExactlyInAnyOrder(NodeId.of(p.nodeId()), NodeId.of("test-peer"));
            });
  }

  @Test
  void peerSecurity_withoutMembersOrSecret_failsStartNamingThem(CapturedOutput output) {
    String[] withoutSecurity =
        java.util.Arrays.stream(required())
            .filter(p -> !p.startsWith("hybridstore.gossip.security"))
            .toArray(String[]::new);
    store
        .withPropertyValues(withoutSecurity)
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.gossip.security.members")
                    .contains("must list the cluster's node ids"));
    store
        .withPropertyValues(withoutSecurity)
        .withPropertyValues("hybridstore.gossip.security.members=a,b")
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.gossip.security.secrets")
                    .contains("at least one secret"));
    store
        .withPropertyValues(withoutSecurity)
        .withPropertyValues(
            "hybridstore.gossip.security.members=a",
            "hybridstore.gossip.security.secret-files=" + dir.resolve("missing-secret"))
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.gossip.security.secretFiles")
                    .contains("missing-secret"));
    // an explicit insecure setting starts, with a warning
    store
        .withPropertyValues(withoutSecurity)
        .withPropertyValues("hybridstore.gossip.security.mode=insecure")
        .run(
            context -> {
              assertThat(context).hasSingleBean(HybridOrderStore.class);
              assertThat(
                      context
                          .getBean(HybridStoreProperties.class)
                          .toApConfig()
                          .peerAuth()
                          .authenticated())
                  .isFalse();
              assertThat(output).contains("hybridstore.gossip.security.mode=insecure");
            });
  }

  @Test
  void peerSecurity_secretNotShownInToString() {
    store
        .withPropertyValues(required())
        .run(
            context ->
                assertThat(context.getBean(HybridStoreProperties.class).toString())
                    .contains("secrets=1 (redacted)")
                    .doesNotContain(SECRET));
  }

  @Test
  void properties_nodeIdMissing_failStartNamingIt() {
    store
        .withPropertyValues(
            "hybridstore.etcd.endpoints=" + deadEtcd, "hybridstore.journal.data-dir=" + dir)
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.nodeId")
                    .contains("must not be blank"));
  }

  @Test
  void properties_endpointsAndDataDirMissing_failStartNamingBoth() {
    store
        .withPropertyValues("hybridstore.node-id=n1")
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .containsOnlyOnce("Property: hybridstore.etcd.endpoints")
                    .contains("must not be empty")
                    .containsOnlyOnce("Property: hybridstore.journal.dataDir")
                    .contains("must not be null"));
  }

  @Test
  void properties_outOfRange_failStart() {
    store
        .withPropertyValues(required())
        .withPropertyValues(
            "hybridstore.gossip.port=70000",
            "hybridstore.gossip.seeds=node-2",
            "hybridstore.switchover.breaker-failure-rate=0")
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .containsOnlyOnce("Property: hybridstore.gossip.port")
                    .contains("must be less than or equal to 65535")
                    .contains("Property: hybridstore.gossip.seeds[0]")
                    .contains("expected host:port")
                    .contains("Property: hybridstore.switchover.breakerFailureRate"));
  }

  @Test
  void properties_storeRuleBroken_failStartNamingTheProperty() {
    // Given values each property rule accepts, but the store's own configuration does not
    store
        .withPropertyValues(required())
        .withPropertyValues("hybridstore.switchover.breaker-window=500ms")
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.switchover.breakerWindow")
                    .contains("must be at least 1 s"));
    store
        .withPropertyValues(required())
        .withPropertyValues("hybridstore.switchover.probe-interval=0s")
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.switchover.probeInterval")
                    .contains("must be positive"));
    store
        .withPropertyValues(required())
        .withPropertyValues("hybridstore.etcd.user=orders")
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.etcd.password")
                    .contains("user and password must be set together"));
    store
        .withPropertyValues(required())
        .withPropertyValues("hybridstore.etcd.key-prefix=orders")
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.etcd.keyPrefix")
                    .contains("must start and end with '/'"));
    store
        .withPropertyValues(required())
        .withPropertyValues("hybridstore.node-id=has space")
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.nodeId"));
  }

  @Test
  void properties_tlsFilesUnreadable_failStartNamingTheFile() {
    store
        .withPropertyValues(required())
        .withPropertyValues("hybridstore.etcd.tls.ca-cert=" + dir.resolve("missing-ca.pem"))
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.etcd.tls.caCert")
                    .contains("cannot read")
                    .contains("missing-ca.pem"));
    store
        .withPropertyValues(required())
        .withPropertyValues("hybridstore.etcd.tls.client-cert=" + dir.resolve("client.pem"))
        .run(
            context ->
                assertThat(bindingFailure(context.getStartupFailure()))
                    .contains("Property: hybridstore.etcd.tls.caCert")
                    .contains("is required when a client certificate is set"));
  }

  @Test
  void properties_passwordNotShownInToString() {
    store
        .withPropertyValues(required())
        .withPropertyValues("hybridstore.etcd.user=orders", "hybridstore.etcd.password=s3cret")
        .run(
            context -> {
              // an etcd that does not answer cannot check credentials: the store still starts
              // DEGRADED
              assertThat(context.getBean(HybridStoreProperties.class).toString())
                  .doesNotContain("s3cret");
            });
  }

  @Test
  void store_disabled_noStoreAndNoPropertiesRequired() {
    store
        .withPropertyValues("hybridstore.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(HybridOrderStore.class));
  }

  @Test
  void store_userBean_autoConfiguredStoreBacksOff() {
    // Given an application that builds its own store (and sets no hybridstore.* properties)
    actuator
        .withUserConfiguration(OwnStore.class)
        .withBean("dir", Path.class, () -> dir)
        .withBean("etcd", String.class, () -> deadEtcd)
        .run(
            context -> {
              // Then the starter neither builds a second store nor asks for its properties...
              assertThat(context)
                  .hasNotFailed()
                  .hasSingleBean(HybridOrderStore.class)
                  .doesNotHaveBean(HybridStoreProperties.class);
              assertThat(context.getBean(HybridOrderStore.class).name()).isEqualTo("own-store");
              // ...and still shows the user's store in health and the endpoint
              Health h = context.getBean(HybridStoreHealthIndicator.class).health();
              assertThat(h.getStatus()).isEqualTo(HybridStoreHealthIndicator.DEGRADED);
              assertThat(context.getBean(HybridStoreEndpoint.class).view().name())
                  .isEqualTo("own-store");
            });
  }

  @Test
  void store_customizersAndListeners_applied() {
    store
        .withPropertyValues(required())
        .withBean(
            "renamer", HybridOrderStoreBuilderCustomizer.class, () -> b -> b.name("customized"))
        .withBean("listener", SwitchoverListener.class, () -> e -> {})
        .run(
            context ->
                assertThat(context.getBean(HybridOrderStore.class).name()).isEqualTo("customized"));
  }

  @Test
  void health_degraded_customStatusWithDetails() {
    actuator
        .withPropertyValues(required())
        .run(
            context -> {
              // When etcd has no quorum (here: does not answer at all)
              Health h =
                  context
                      .getBean("hybridstoreHealthIndicator", HybridStoreHealthIndicator.class)
                      .health();
              // Then the contributor says DEGRADED, with the mode's details
              assertThat(h.getStatus()).isEqualTo(HybridStoreHealthIndicator.DEGRADED);
              assertThat(h.getDetails())
                  .containsEntry("mode", "DEGRADED")
                  .containsKeys(
                      "epoch",
                      "modeSince",
                      "reason",
                      "backlog",
                      "mirrorLagRevisions",
                      "conflicts",
                      "journal",
                      "etcd",
                      "peers");
              HybridStoreView.Etcd etcd = (HybridStoreView.Etcd) h.getDetails().get("etcd");
              assertThat(etcd.lastProbeOk()).isFalse();
              assertThat(((HybridStoreView.Journal) h.getDetails().get("journal")).writable())
                  .isTrue();
            });
  }

  @Test
  void health_degraded_aggregateDegradedServedWith200() {
    actuator
        .withPropertyValues(required())
        .run(
            context -> {
              // Then the aggregate is DEGRADED: counted (not dropped as an unknown status), not
              // DOWN
              Status aggregate = context.getBean(HealthEndpoint.class).health().getStatus();
              assertThat(aggregate).isEqualTo(HybridStoreHealthIndicator.DEGRADED);
              assertThat(context.getBean(HttpCodeStatusMapper.class).getStatusCode(aggregate))
                  .isEqualTo(200);
            });
  }

  @Test
  void health_withoutTheStarterDefault_degradedWouldBeIgnored() {
    // Given Spring Boot's own status order (the post-processor's default replaced)
    actuator
        .withPropertyValues(required())
        .withPropertyValues(
            "management.endpoint.health.status.order=DOWN,OUT_OF_SERVICE,UP,UNKNOWN")
        .run(
            context -> {
              // Then DEGRADED falls out of the aggregate, which shows the ping contributor's UP
              // (resilience4j #1642): why the starter's default exists
              assertThat(context.getBean(HealthEndpoint.class).health().getStatus())
                  .isEqualTo(Status.UP);
            });
  }

  @Test
  void health_userOrderWithoutDegraded_warns(CapturedOutput output) {
    actuator
        .withPropertyValues(required())
        .withPropertyValues("management.endpoint.health.status.order=DOWN,UP")
        .run(
            context ->
                assertThat(output)
                    .contains(
                        "management.endpoint.health.status.order=DOWN,UP leaves out DEGRADED"));
  }

  @Test
  void health_degradedAsDown_down503() {
    actuator
        .withPropertyValues(required())
        .withPropertyValues("hybridstore.health.degraded-as-down=true")
        .run(
            context -> {
              Status aggregate = context.getBean(HealthEndpoint.class).health().getStatus();
              assertThat(aggregate).isEqualTo(Status.DOWN);
              assertThat(context.getBean(HttpCodeStatusMapper.class).getStatusCode(aggregate))
                  .isEqualTo(503);
            });
  }

  @Test
  void health_disabledByProperty_noContributor() {
    actuator
        .withPropertyValues(required())
        .withPropertyValues("management.health.hybridstore.enabled=false")
        .run(
            context ->
                assertThat(context)
                    .hasSingleBean(HybridOrderStore.class)
                    .doesNotHaveBean(HybridStoreHealthIndicator.class));
  }

  @Test
  void metrics_storeMetersInApplicationRegistry_withCommonTags() {
    actuator
        .withPropertyValues(required())
        .withPropertyValues("management.metrics.tags.region=eu-1")
        .run(
            context -> {
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              HybridOrderStore s = context.getBean(HybridOrderStore.class);
              Gauge mode =
                  registry
                      .find("hybridstore.mode")
                      .tag("store", s.name())
                      .tag("region", "eu-1")
                      .gauge();
              assertThat(mode).isNotNull();
              assertThat(mode.value()).isEqualTo(ConsistencyMode.DEGRADED.ordinal());
              assertThat(registry.find("hybridstore.writes").tag("region", "eu-1").timers())
                  .hasSize(2);
              assertThat(registry.find("hybridstore.backlog").tag("region", "eu-1").gauge())
                  .isNotNull();
            });
  }

  @Test
  void endpoint_read_sameViewAsMxBean() {
    actuator
        .withPropertyValues(required())
        .run(
            context -> {
              HybridStoreView view = context.getBean(HybridStoreEndpoint.class).view();
              HybridOrderStore s = context.getBean(HybridOrderStore.class);
              assertThat(view.mode()).isEqualTo("DEGRADED");
              assertThat(view.epoch()).isEqualTo(s.epoch());
              assertThat(view.etcd()).isNotNull();
              assertThat(view.etcd().members()).containsOnlyKeys(deadEtcd);
              assertThat(view.writes()).isNotNull();
              assertThat(view.transitionsTotal()).isNotNull();
            });
  }

  @Test
  void endpoint_webWrites_needAuthenticatedOperator() {
    actuator
        .withPropertyValues(required())
        .run(
            context -> {
              HybridStoreEndpointWebExtension web =
                  new HybridStoreEndpointWebExtension(
                      context.getBean(HybridStoreEndpoint.class), "HYBRIDSTORE_OPERATOR");
              // anonymous
              assertThat(
                      web.operate(new Caller(null, List.of()), "force-degrade", "maintenance")
                          .getStatus())
                  .isEqualTo(401);
              // authenticated, without the role
              assertThat(
                      web.operate(
                              new Caller("alice", List.of("USER")), "force-degrade", "maintenance")
                          .getStatus())
                  .isEqualTo(403);
              // the operator (what the operation does to the mode: HybridStoreAutoConfigurationIT,
              // on a live etcd)
              var ok =
                  web.operate(
                      new Caller("olga", List.of("HYBRIDSTORE_OPERATOR")),
                      "force-degrade",
                      "maintenance");
              assertThat(ok.getStatus()).isEqualTo(200);
              assertThat(ok.getBody()).isInstanceOf(HybridStoreView.class);
              // an unknown action is a bad request (Spring Boot answers 400)
              assertThatThrownBy(
                      () ->
                          web.operate(
                              new Caller("olga", List.of("HYBRIDSTORE_OPERATOR")), "restart", null))
                  .isInstanceOf(InvalidEndpointRequestException.class)
                  .hasMessageContaining("unknown action 'restart'");
              // an empty role means any authenticated user
              var anyUser =
                  new HybridStoreEndpointWebExtension(
                      context.getBean(HybridStoreEndpoint.class), "");
              assertThat(
                      anyUser
                          .operate(new Caller("alice", List.of()), "reconcile", null)
                          .getStatus())
                  .isEqualTo(200);
              assertThat(
                      anyUser.operate(new Caller(null, List.of()), "reconcile", null).getStatus())
                  .isEqualTo(401);
            });
  }

  @Test
  void endpoint_disabled_noEndpointButHealth() {
    actuator
        .withPropertyValues(required())
        .withPropertyValues("management.endpoint.hybridstore.access=NONE")
        .run(
            context ->
                assertThat(context)
                    .doesNotHaveBean(HybridStoreEndpoint.class)
                    .hasSingleBean(HybridStoreHealthIndicator.class));
  }

  @Test
  void environmentPostProcessor_userOrderWins() {
    var env = new StandardEnvironment();
    env.getPropertySources()
        .addFirst(
            new MapPropertySource(
                "application",
                Map.of("management.endpoint.health.status.order", "DOWN,DEGRADED,UP")));
    new HybridStoreEnvironmentPostProcessor().postProcessEnvironment(env, new SpringApplication());
    assertThat(env.getProperty("management.endpoint.health.status.order"))
        .isEqualTo("DOWN,DEGRADED,UP");
    var plain = new StandardEnvironment();
    new HybridStoreEnvironmentPostProcessor()
        .postProcessEnvironment(plain, new SpringApplication());
    assertThat(plain.getProperty("management.endpoint.health.status.order"))
        .isEqualTo("DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN");
  }

  /** An application's own store, built the plain-Java way. */
  @Configuration(proxyBeanMethods = false)
  static class OwnStore {
    @Bean(destroyMethod = "close")
    HybridOrderStore ownStore(Path dir, String etcd) {
      return HybridOrderStore.builder()
          .name("own-store")
          .nodeId(NodeId.of("own-" + NODES.incrementAndGet()))
          .strong(
              EtcdBackendFactory.of(
                  CpConfig.builder().endpoints(List.of(java.net.URI.create(etcd))).build()))
          .local(
              MapDbBackendFactory.of(
                  ApConfig.builder(dir.resolve("own")).peerAuth(PeerAuthConfig.insecure()).build()))
          .config(
              org.hybridstore.SwitchoverConfig.builder()
                  .probeTimeout(Duration.ofMillis(200))
                  .build())
          .build();
    }
  }

  /** The caller of a web operation, as Spring Boot hands it to the endpoint. */
  private record Caller(String name, List<String> roles)
      implements org.springframework.boot.actuate.endpoint.SecurityContext {
    @Override
    public java.security.Principal getPrincipal() {
      return name == null ? null : () -> name;
    }

    @Override
    public boolean isUserInRole(String role) {
      return roles.contains(role);
    }
  }

  /** Renders a binding failure the way Spring Boot's failure analysis prints it at start. */
  private static String bindingFailure(Throwable failure) {
    assertThat(failure).isNotNull();
    Throwable t = failure;
    while (t != null && !(t instanceof BindValidationException)) {
      t = t.getCause();
    }
    assertThat(t).as("a BindValidationException in %s", failure).isNotNull();
    StringBuilder b = new StringBuilder();
    for (var error : ((BindValidationException) t).getValidationErrors().getAllErrors()) {
      if (error instanceof FieldError f) {
        b.append("Property: ")
            .append(f.getObjectName())
            .append('.')
            .append(f.getField())
            .append(" Value: ")
            .append(f.getRejectedValue())
            .append(" Origin: ")
            .append(Origin.from(f))
            .append('\n');
      }
      b.append("Reason: ").append(error.getDefaultMessage()).append('\n');
    }
    return b.toString();
  }

  private static int closedPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
