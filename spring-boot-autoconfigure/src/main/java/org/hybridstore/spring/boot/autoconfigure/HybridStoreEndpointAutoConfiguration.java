package org.hybridstore.spring.boot.autoconfigure;

import javax.management.MBeanServer;
import org.hybridstore.spring.boot.actuate.HybridStoreEndpoint;
import org.hybridstore.spring.boot.actuate.HybridStoreEndpointWebExtension;
import org.hybridstore.switchover.HybridOrderStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Registers the {@code hybridstore} Actuator endpoint ({@link HybridStoreEndpoint}) and its web
 * extension for the application's store. Like every endpoint it must also be exposed ({@code
 * management.endpoints.web.exposure.include=hybridstore}) to be reachable over HTTP.
 */
@AutoConfiguration(after = HybridStoreAutoConfiguration.class)
@ConditionalOnClass({
  HybridOrderStore.class,
  org.springframework.boot.actuate.endpoint.annotation.Endpoint.class,
  ConditionalOnAvailableEndpoint.class
})
@ConditionalOnSingleCandidate(HybridOrderStore.class)
@ConditionalOnAvailableEndpoint(HybridStoreEndpoint.class)
@EnableConfigurationProperties(HybridStoreEndpointProperties.class)
public final class HybridStoreEndpointAutoConfiguration {
  HybridStoreEndpointAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean
  HybridStoreEndpoint hybridStoreEndpoint(
      HybridOrderStore store, ObjectProvider<MBeanServer> servers) {
    return new HybridStoreEndpoint(store, MBeanServers.of(servers));
  }

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(HybridStoreEndpoint.class)
  @ConditionalOnAvailableEndpoint(
      endpoint = HybridStoreEndpoint.class,
      exposure = EndpointExposure.WEB)
  HybridStoreEndpointWebExtension hybridStoreEndpointWebExtension(
      HybridStoreEndpoint endpoint, HybridStoreEndpointProperties properties) {
    return new HybridStoreEndpointWebExtension(endpoint, properties.operatorRole());
  }
}
