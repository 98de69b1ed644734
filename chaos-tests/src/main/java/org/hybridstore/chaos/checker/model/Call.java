package org.hybridstore.chaos.checker.model;

import java.util.Objects;
import org.hybridstore.chaos.history.Op;
import org.jspecify.annotations.Nullable;

/**
 * One operation as a model sees it: the function, the invocation's argument and, when the operation
 * completed, its result.
 *
 * @param f the function, for example {@code "read"}
 * @param input the invocation's value (for a cas, {@code [expected new]})
 * @param output the completion's value for {@link Outcome#OK} (and {@link Outcome#FAILED}); null
 *     for {@link Outcome#UNKNOWN}
 * @param outcome what the client learned about the operation
 */
public record Call(String f, @Nullable Object input, @Nullable Object output, Outcome outcome) {

  /** What the client learned about an operation. */
  public enum Outcome {
    /** It took effect, and {@link Call#output()} is its result. */
    OK,
    /**
     * It definitely did not take effect (only seen when the checker is told to keep failed
     * operations as observations; by default they are dropped, as Knossos does).
     */
    FAILED,
    /** It may or may not have taken effect; its result is unknown. */
    UNKNOWN
  }

  /**
   * Validates the call.
   *
   * @throws NullPointerException if f or outcome is null
   */
  public Call {
    Objects.requireNonNull(f, "f");
    Objects.requireNonNull(outcome, "outcome");
  }

  @Override
  public String toString() {
    return ":"
        + f
        + " "
        + Op.formatValue(input)
        + (outcome == Outcome.OK
            ? " -> " + Op.formatValue(output)
            : outcome == Outcome.FAILED ? " -> failed" : " -> ?");
  }
}
