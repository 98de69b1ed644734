/**
 * The order record and its merge rules: pure functions with no I/O. An {@link
 * org.hybridstore.model.OrderRecord} is an order plus the metadata that lets replicas that took
 * writes independently be joined into one record again: a version vector, a hybrid-logical-clock
 * stamp on every mutable field, the statuses the order reached, and the op ids it applied. {@link
 * org.hybridstore.model.OrderRecord#merge} is a join (commutative, associative, idempotent), so
 * replicas converge whatever order gossip delivers records in.
 */
@NullMarked
package org.hybridstore.model;

import org.jspecify.annotations.NullMarked;
