/**
 * Clients of the system under test: an HTTP client of one order-service node, and the Jepsen-style
 * client that turns an invocation into a completion (ok, fail or info) by the rules of
 * jepsen-io/etcd's {@code with-errors}: a definite error fails the op, an indefinite error on a
 * write leaves it unknown (info), reads are idempotent so any error fails them.
 */
@NullMarked
package org.hybridstore.chaos.client;

import org.jspecify.annotations.NullMarked;
