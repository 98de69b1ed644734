/**
 * Checkers that judge a {@link org.hybridstore.chaos.history.History}, in Jepsen's vocabulary: a
 * {@link org.hybridstore.chaos.checker.Checker} returns a {@link
 * org.hybridstore.chaos.checker.CheckResult} whose {@link org.hybridstore.chaos.checker.Validity}
 * is VALID, INVALID or UNKNOWN; {@link org.hybridstore.chaos.checker.LinearizabilityChecker} runs
 * the Wing-Gong-Lowe search with memoisation against a {@link
 * org.hybridstore.chaos.checker.model.Model}, and the safety checkers (no lost acknowledged writes,
 * no duplicates, monotonic status, converged replicas) judge our own runs.
 */
@NullMarked
package org.hybridstore.chaos.checker;

import org.jspecify.annotations.NullMarked;
