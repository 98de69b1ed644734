package org.hybridstore.spring.boot.autoconfigure;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Adds the starter's defaults as the environment's last property source, below everything the
 * application sets: the health status order with {@code DEGRADED} between {@code OUT_OF_SERVICE}
 * and {@code UP}.
 *
 * <p>Spring Boot's status aggregator ignores a status that is not in its order (a custom status of
 * a health contributor then vanishes from the aggregate, as resilience4j's CIRCUIT_OPEN did in its
 * issue 1642). Placed there, a degraded store makes the aggregate DEGRADED, which is served with
 * HTTP 200: visible, but not taking the application out of service. An application that sets its
 * own order keeps it (the health auto-configuration warns if it leaves DEGRADED out).
 */
public final class HybridStoreEnvironmentPostProcessor
    implements EnvironmentPostProcessor, Ordered {
  /** The name of the property source this adds. */
  public static final String PROPERTY_SOURCE = "hybridstoreDefaults";

  /** The status order the starter sets by default. */
  public static final String STATUS_ORDER = "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN";

  /**
   * Creates the post-processor (Spring Boot instantiates it from {@code
   * META-INF/spring.factories}).
   */
  public HybridStoreEnvironmentPostProcessor() {}

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    if (!environment.getPropertySources().contains(PROPERTY_SOURCE)) {
      environment
          .getPropertySources()
          .addLast(
              new MapPropertySource(
                  PROPERTY_SOURCE,
                  Map.of("management.endpoint.health.status.order", STATUS_ORDER)));
    }
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
