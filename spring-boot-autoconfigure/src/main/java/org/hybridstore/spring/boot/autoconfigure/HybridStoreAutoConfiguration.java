package org.hybridstore.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import org.hybridstore.ApConfig;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.cp.EtcdBackendFactory;
import org.hybridstore.switchover.HybridOrderStore;
import org.hybridstore.switchover.SwitchoverListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configures one {@link HybridOrderStore} from the {@code hybridstore.*} properties ({@link
 * HybridStoreProperties}), unless the application declares its own {@code HybridOrderStore} bean.
 *
 * <p>The store's meters go to the application's {@link MeterRegistry} (so Spring Boot's common
 * tags, {@code management.metrics.tags.*}, and meter filters apply to them), its MXBean to the
 * application's {@link MBeanServer} (the platform server unless one is declared), and every {@link
 * SwitchoverListener} bean hears its mode changes. {@link HybridOrderStoreBuilderCustomizer} beans
 * adjust the builder last. The store starts when the bean is created (it opens the journal,
 * connects to etcd and probes once) and is closed when the context closes: after the web server has
 * stopped taking requests, and after every bean that depends on it.
 *
 * <p>{@code hybridstore.enabled=false} turns the whole starter off.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
      "org.springframework.boot.autoconfigure.jmx.JmxAutoConfiguration"
    })
@ConditionalOnClass(HybridOrderStore.class)
@ConditionalOnBooleanProperty(name = "hybridstore.enabled", matchIfMissing = true)
public final class HybridStoreAutoConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(HybridStoreAutoConfiguration.class);

  HybridStoreAutoConfiguration() {}

  /**
   * The store from properties. A nested class so that the properties (with their required values)
   * are bound and validated only when the store is built here, not when the application brings its
   * own store.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({EtcdBackendFactory.class, MapDbBackendFactory.class})
  @ConditionalOnMissingBean(HybridOrderStore.class)
  @EnableConfigurationProperties(HybridStoreProperties.class)
  static class StoreConfiguration {
    @Bean(destroyMethod = "close")
    HybridOrderStore hybridOrderStore(
        HybridStoreProperties properties,
        ObjectProvider<MeterRegistry> meterRegistry,
        ObjectProvider<MBeanServer> mbeanServer,
        ObjectProvider<SwitchoverListener> listeners,
        ObjectProvider<HybridOrderStoreBuilderCustomizer> customizers) {
      ApConfig ap = properties.toApConfig();
      warnIfGossipIsOpen(properties, ap);
      HybridOrderStore.Builder builder =
          HybridOrderStore.builder()
              .name(properties.storeName())
              .nodeId(properties.toNodeId())
              .strong(EtcdBackendFactory.of(properties.toCpConfig()))
              .local(MapDbBackendFactory.of(ap))
              .config(properties.toSwitchoverConfig())
              .mbeanServer(mbeanServer.getIfAvailable(ManagementFactory::getPlatformMBeanServer));
      MeterRegistry registry = meterRegistry.getIfUnique();
      if (registry != null) {
        builder.meterRegistry(registry);
      }
      listeners.orderedStream().forEach(builder::listener);
      customizers.orderedStream().forEach(c -> c.customize(builder));
      HybridOrderStore store = builder.build();
      LOG.info(
          "hybridstore {} started in mode {} (etcd {}, journal {})",
          store.name(),
          store.mode(),
          properties.etcd().endpoints(),
          ap.dataDir());
      return store;
    }

    // ap-backend's transport listens on every interface at the gossip port (bind-host is only the
    // address it advertises): with authentication switched off, say so once at start.
    private static void warnIfGossipIsOpen(HybridStoreProperties properties, ApConfig ap) {
      if (properties.gossip().security().mode()
          == HybridStoreProperties.PeerAuthentication.INSECURE) {
        LOG.warn(
            "hybridstore gossip (port {}, advertised as {}) accepts replicas from any host that reaches the "
                + "port: hybridstore.gossip.security.mode=insecure and the transport listens on all interfaces; "
                + "firewall it or set members and a secret (see docs/spring-boot.md)",
            ap.gossipPort() == 0 ? "any free" : ap.gossipPort(),
            ap.bindHost());
      }
    }
  }
}
