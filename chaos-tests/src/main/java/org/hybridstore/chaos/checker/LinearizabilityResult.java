package org.hybridstore.chaos.checker;

import org.jspecify.annotations.Nullable;

/**
 * The detailed outcome of a {@link LinearizabilityChecker}.
 *
 * @param validity VALID, INVALID, or UNKNOWN when the budget ran out
 * @param model the model's name
 * @param operations the number of operations checked (after dropping failed ones)
 * @param partitions the number of independent partitions searched
 * @param cacheEntries the configurations memoised, summed over partitions
 * @param elapsedNanos the wall-clock time of the check
 * @param counterexample for INVALID, why; otherwise null
 * @param unknownReason for UNKNOWN, why; otherwise null
 */
public record LinearizabilityResult(
    Validity validity,
    String model,
    int operations,
    int partitions,
    long cacheEntries,
    long elapsedNanos,
    @Nullable Counterexample counterexample,
    @Nullable String unknownReason) {}
