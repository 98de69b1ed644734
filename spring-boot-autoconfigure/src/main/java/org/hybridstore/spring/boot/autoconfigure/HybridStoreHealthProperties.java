package org.hybridstore.spring.boot.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code hybridstore.health.*} properties: how the store's mode shows in Actuator health.
 *
 * @param degradedAsDown Whether to report a degraded store as DOWN (HTTP 503 on the health
 *     endpoint) instead of DEGRADED (HTTP 200). Off by default: a degraded store still takes
 *     writes.
 */
@ConfigurationProperties("hybridstore.health")
public record HybridStoreHealthProperties(@DefaultValue("false") boolean degradedAsDown) {}
