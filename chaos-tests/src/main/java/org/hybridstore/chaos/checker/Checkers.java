package org.hybridstore.chaos.checker;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hybridstore.chaos.history.History;

/** Combinators over checkers (Jepsen's {@code compose} and {@code check-safe}). */
public final class Checkers {

  private Checkers() {}

  /**
   * Runs a checker, turning an exception into an UNKNOWN result (Jepsen's check-safe).
   *
   * @param checker the checker
   * @param history the history
   * @return its result, or UNKNOWN with the error
   */
  public static CheckResult checkSafe(Checker checker, History history) {
    try {
      CheckResult r = checker.check(history);
      return r == null ? CheckResult.crashed(new NullPointerException("checker returned null")) : r;
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      return CheckResult.crashed(e);
    }
  }

  /**
   * Composes named checkers: each runs (safely) on the same history, the verdict is the merge of
   * theirs (INVALID beats UNKNOWN beats VALID) and the details map each name to its result.
   *
   * @param checkers the checkers by name, run in iteration order
   * @return the composed checker
   */
  public static Checker compose(Map<String, Checker> checkers) {
    Map<String, Checker> copy = new LinkedHashMap<>(checkers);
    return history -> {
      Validity merged = Validity.VALID;
      Map<String, Object> details = new LinkedHashMap<>();
      for (Map.Entry<String, Checker> e : copy.entrySet()) {
        CheckResult r = checkSafe(e.getValue(), history);
        merged = merged.merge(r.validity());
        details.put(e.getKey(), r);
      }
      return CheckResult.of(merged, details);
    };
  }
}
