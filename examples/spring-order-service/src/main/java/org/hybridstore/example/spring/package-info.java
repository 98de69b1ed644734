/**
 * An order service on the HybridStore Spring Boot starter: a REST API for create, transition and
 * get, Bean Validation on its bodies, problem details for its errors, and the store's mode in
 * Actuator health and metrics. See docs/spring-boot.md.
 */
@NullMarked
package org.hybridstore.example.spring;

import org.jspecify.annotations.NullMarked;
