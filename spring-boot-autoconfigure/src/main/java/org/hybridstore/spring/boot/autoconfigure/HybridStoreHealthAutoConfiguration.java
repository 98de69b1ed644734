package org.hybridstore.spring.boot.autoconfigure;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.management.MBeanServer;
import org.hybridstore.spring.boot.actuate.HybridStoreHealthIndicator;
import org.hybridstore.switchover.HybridOrderStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.annotation.Bean;

/**
 * Registers the {@code hybridstore} health contributor ({@link HybridStoreHealthIndicator}) for the
 * application's store, auto-configured or its own. {@code
 * management.health.hybridstore.enabled=false} turns it off.
 */
@AutoConfiguration(
    after = HybridStoreAutoConfiguration.class,
    beforeName =
        "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass({Health.class, HybridOrderStore.class})
@ConditionalOnSingleCandidate(HybridOrderStore.class)
@ConditionalOnEnabledHealthIndicator("hybridstore")
@EnableConfigurationProperties(HybridStoreHealthProperties.class)
public final class HybridStoreHealthAutoConfiguration {
  private static final Logger LOG =
      LoggerFactory.getLogger(HybridStoreHealthAutoConfiguration.class);

  HybridStoreHealthAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean(name = "hybridstoreHealthIndicator")
  HybridStoreHealthIndicator hybridstoreHealthIndicator(
      HybridOrderStore store,
      ObjectProvider<MBeanServer> servers,
      HybridStoreHealthProperties properties) {
    return new HybridStoreHealthIndicator(
        store, MBeanServers.of(servers), properties.degradedAsDown());
  }

  /**
   * Warns once at start when a status order the application set leaves DEGRADED out: Spring Boot
   * then ignores the status when it aggregates (a degraded store would show as UP, or the whole
   * health as UNKNOWN).
   */
  @Bean
  static SmartInitializingSingleton hybridstoreStatusOrderCheck(
      ObjectProvider<HealthEndpointProperties> properties) {
    return () -> {
      HealthEndpointProperties p = properties.getIfAvailable();
      if (p == null) {
        return;
      }
      warnIfMissing("management.endpoint.health.status.order", p.getStatus().getOrder());
      for (Map.Entry<String, HealthEndpointProperties.Group> g : p.getGroup().entrySet()) {
        warnIfMissing(
            "management.endpoint.health.group." + g.getKey() + ".status.order",
            g.getValue().getStatus().getOrder());
      }
    };
  }

  private static void warnIfMissing(String property, List<String> order) {
    String degraded = HybridStoreHealthIndicator.DEGRADED.getCode();
    if (!order.isEmpty()
        && order.stream().noneMatch(s -> s.trim().toUpperCase(Locale.ROOT).equals(degraded))) {
      LOG.warn(
          "{}={} leaves out {}: a degraded hybridstore will not show in the aggregate health; "
              + "add it, e.g. DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN",
          property,
          String.join(",", order),
          degraded);
    }
  }
}
