/**
 * An order service that embeds {@link org.hybridstore.switchover.HybridOrderStore}: the example of
 * how to wire the store, and the node program the chaos suite deploys. HTTP/JSON API, JMX, graceful
 * shutdown, configuration by flags or environment.
 */
@NullMarked
package org.hybridstore.example;

import org.jspecify.annotations.NullMarked;
