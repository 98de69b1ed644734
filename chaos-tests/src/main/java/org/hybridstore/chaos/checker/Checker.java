package org.hybridstore.chaos.checker;

import org.hybridstore.chaos.history.History;

/**
 * Judges a history, as Jepsen's {@code checker/check}.
 *
 * <p>Implementations should be threadsafe and must not modify the history.
 */
@FunctionalInterface
public interface Checker {

  /**
   * Checks the history.
   *
   * @param history the complete history of a run
   * @return the verdict with details
   */
  CheckResult check(History history);
}
