package org.hybridstore.spring.boot.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code hybridstore.endpoint.*} properties: who may use the {@code hybridstore} Actuator
 * endpoint's write operations over HTTP (they also need {@code
 * management.endpoint.hybridstore.access=unrestricted}).
 *
 * @param operatorRole Role an authenticated user needs to force a degrade or a reconcile over HTTP.
 *     Empty for any authenticated user; anonymous users never may.
 */
@ConfigurationProperties("hybridstore.endpoint")
public record HybridStoreEndpointProperties(
    @DefaultValue("HYBRIDSTORE_OPERATOR") String operatorRole) {}
