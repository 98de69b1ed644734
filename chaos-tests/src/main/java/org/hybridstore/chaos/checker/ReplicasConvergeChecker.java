package org.hybridstore.chaos.checker;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.Operation;

/**
 * All replicas are equal at the end: the final reads of every node returned the same value.
 *
 * <p>Op shape: a final read is {@code {:f "final-read"}} completing OK, with the node in the op's
 * {@code node} field (otherwise the process stands for the node) and the node's whole state as its
 * value. The last final read of each node counts. Values are compared after a normalising function,
 * for example {@link #unordered()} when element order does not matter. Verdict: INVALID when two
 * nodes differ; UNKNOWN when fewer than two nodes have a final read (nothing to compare); VALID
 * otherwise. Instances are immutable and threadsafe if the function is.
 */
public final class ReplicasConvergeChecker implements Checker {

  private final String finalReadF;
  private final Function<Object, Object> normalize;

  /** Creates the checker for {@code final-read}, comparing values as they are. */
  public ReplicasConvergeChecker() {
    this("final-read", Function.identity());
  }

  /**
   * Creates the checker.
   *
   * @param finalReadF the function of final reads
   * @param normalize maps a read value to the form that is compared
   */
  public ReplicasConvergeChecker(String finalReadF, Function<Object, Object> normalize) {
    this.finalReadF = Objects.requireNonNull(finalReadF, "finalReadF");
    this.normalize = Objects.requireNonNull(normalize, "normalize");
  }

  /**
   * Returns a normaliser that compares collections as sets.
   *
   * @return the function; non-collections are returned unchanged
   */
  public static Function<Object, Object> unordered() {
    return v -> v instanceof Collection<?> c ? new HashSet<>(c) : v;
  }

  @Override
  public CheckResult check(History history) {
    Map<String, Operation> last = new TreeMap<>();
    for (Operation op : Operations.ok(history, finalReadF)) {
      last.put(Operations.node(op), op);
    }
    Map<String, Object> values = new LinkedHashMap<>();
    Map<Object, String> firstNodeWith = new LinkedHashMap<>();
    for (Map.Entry<String, Operation> e : last.entrySet()) {
      Object value = e.getValue().completion().value();
      values.put(e.getKey(), Op.formatValue(value));
      firstNodeWith.putIfAbsent(normalize.apply(value), e.getKey());
    }
    Validity validity =
        firstNodeWith.size() > 1
            ? Validity.INVALID
            : last.size() < 2 ? Validity.UNKNOWN : Validity.VALID;
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("node-count", last.size());
    d.put("distinct-values", firstNodeWith.size());
    d.put("final-reads", values);
    return CheckResult.of(validity, d);
  }
}
