/**
 * Actuator support for HybridStore: the {@code hybridstore} health contributor, which maps the
 * store's consistency mode to a health status, and the {@code hybridstore} endpoint, which shows
 * the store's MXBean view and runs the operator tools.
 */
@NullMarked
package org.hybridstore.spring.boot.actuate;

import org.jspecify.annotations.NullMarked;
