/**
 * The order workload: what the suite's clients do to the store, and how the resulting history is
 * checked (linearizability of the register ops, no lost acknowledged creates, no duplicates,
 * statuses never backwards per node, replicas equal at the end).
 */
@NullMarked
package org.hybridstore.chaos.workload;

import org.jspecify.annotations.NullMarked;
