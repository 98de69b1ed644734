package org.hybridstore.chaos.checker;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of a checker: a verdict and details for the report.
 *
 * @param validity the verdict
 * @param details ordered, unmodifiable details (counts, counterexamples, nested results)
 */
public record CheckResult(Validity validity, Map<String, Object> details) {

  /**
   * Validates and copies the details.
   *
   * @throws NullPointerException if validity or details is null
   */
  public CheckResult {
    Objects.requireNonNull(validity, "validity");
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  /**
   * Creates a result.
   *
   * @param validity the verdict
   * @param details the details
   * @return the result
   */
  public static CheckResult of(Validity validity, Map<String, Object> details) {
    return new CheckResult(validity, details);
  }

  /**
   * Creates an UNKNOWN result for a checker that threw.
   *
   * @param error the exception
   * @return the result, with the error in {@code "error"}
   */
  public static CheckResult crashed(Throwable error) {
    return new CheckResult(Validity.UNKNOWN, Map.of("error", String.valueOf(error)));
  }
}
