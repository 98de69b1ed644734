/**
 * Sequential specifications for the linearizability checker: a {@link
 * org.hybridstore.chaos.checker.model.Model} gives an initial state and a step function over {@link
 * org.hybridstore.chaos.checker.model.Call}s, and may name a partition key so that a keyed history
 * is checked one key at a time; the cas-register, key-value, multi-register and mutex models live
 * here, and a new model (for example one that applies commands to an order record) is one more
 * class implementing the interface.
 */
@NullMarked
package org.hybridstore.chaos.checker.model;

import org.jspecify.annotations.NullMarked;
