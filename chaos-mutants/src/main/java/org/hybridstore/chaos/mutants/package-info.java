/**
 * Deliberately broken builds of the node program, each one bug, to prove that the chaos suite's
 * checks can fail (its mutation score). A mutant wraps the node's backends with SPI decorators; the
 * node program ({@code examples/order-service}) loads one through {@link
 * org.hybridstore.example.NodeMutation} only when started with {@code --mutant NAME}. Nothing here
 * is on a production class path, and no library module knows it exists.
 */
@NullMarked
package org.hybridstore.chaos.mutants;

import org.jspecify.annotations.NullMarked;
