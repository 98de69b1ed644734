/**
 * Spring Boot auto-configuration for HybridStore: a {@link
 * org.hybridstore.switchover.HybridOrderStore} from the {@code hybridstore.*} properties ({@link
 * org.hybridstore.spring.boot.autoconfigure.HybridStoreProperties}), its mode in Actuator health,
 * its meters in the application's registry, and the {@code hybridstore} endpoint. See
 * docs/spring-boot.md.
 */
@NullMarked
package org.hybridstore.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
