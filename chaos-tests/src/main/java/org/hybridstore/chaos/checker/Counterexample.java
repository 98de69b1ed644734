package org.hybridstore.chaos.checker;

import java.util.List;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.Operation;
import org.jspecify.annotations.Nullable;

/**
 * Why a history is not linearizable, for a person to read.
 *
 * <p>From the search: it got furthest up to the return of {@link #op()}: in every configuration it
 * explored, all operations that returned before it could be linearized, but {@code op} could not be
 * linearized before its own return. {@link #possibleStates()} are model states the object could
 * have been in just before that return; {@link #linearizedTail()} is the end of one linearization
 * of the longest linearizable prefix found, each operation with the state after it.
 *
 * <p>From the pre-pass ({@link #proof()} is not null): {@code op} is a read (or cas) that cannot be
 * linearized for the reason in {@code proof}, which involves the {@link #witnesses()} (the
 * completed write that replaced the value it read); there are no states or prefix.
 *
 * <p>Either way {@link #concurrent()} are operations whose intervals overlap {@code op}'s.
 *
 * @param partition the partition key, or null when the history was not split
 * @param op the operation that cannot be linearized
 * @param possibleStates up to ten states possible just before its return (empty for a proof)
 * @param concurrent up to twelve operations concurrent with it
 * @param concurrentTotal how many operations are concurrent with it in all
 * @param linearizedTail the last (up to twelve) steps of the longest linearizable prefix, as {@code
 *     "<operation> => <state>"}
 * @param linearizedCount how many operations that prefix linearized
 * @param proof for a violation proven by the pre-pass, why (one sentence); null from the search
 * @param witnesses the operations the proof names besides {@code op}
 */
public record Counterexample(
    @Nullable Object partition,
    Operation op,
    List<String> possibleStates,
    List<Operation> concurrent,
    int concurrentTotal,
    List<String> linearizedTail,
    int linearizedCount,
    @Nullable String proof,
    List<Operation> witnesses) {

  /** Copies the lists. */
  public Counterexample {
    possibleStates = List.copyOf(possibleStates);
    concurrent = List.copyOf(concurrent);
    linearizedTail = List.copyOf(linearizedTail);
    witnesses = List.copyOf(witnesses);
  }

  /**
   * Creates a counterexample found by the search.
   *
   * @param partition the partition key, or null
   * @param op the operation that cannot be linearized
   * @param possibleStates states possible just before its return
   * @param concurrent operations concurrent with it
   * @param concurrentTotal how many are concurrent in all
   * @param linearizedTail the end of the longest linearizable prefix
   * @param linearizedCount the length of that prefix
   */
  public Counterexample(
      @Nullable Object partition,
      Operation op,
      List<String> possibleStates,
      List<Operation> concurrent,
      int concurrentTotal,
      List<String> linearizedTail,
      int linearizedCount) {
    this(
        partition,
        op,
        possibleStates,
        concurrent,
        concurrentTotal,
        linearizedTail,
        linearizedCount,
        null,
        List.of());
  }

  /**
   * Renders the counterexample as indented lines.
   *
   * @return multi-line text ending with a newline
   */
  public String render() {
    StringBuilder sb = new StringBuilder();
    if (partition != null) {
      sb.append("  key ").append(Op.formatValue(partition)).append('\n');
    }
    sb.append("  cannot linearize: ").append(op).append('\n');
    if (proof != null) {
      sb.append("  proven before the search: ").append(proof).append('\n');
      for (Operation w : witnesses) {
        sb.append("    ").append(w).append('\n');
      }
      appendConcurrent(sb);
      return sb.toString();
    }
    sb.append("  possible states just before it returned: ")
        .append(possibleStates.isEmpty() ? "(none)" : String.join(", ", possibleStates))
        .append('\n');
    appendConcurrent(sb);
    sb.append("  longest linearizable prefix: ").append(linearizedCount).append(" operations");
    if (!linearizedTail.isEmpty()) {
      sb.append(", ending:\n");
      for (String s : linearizedTail) {
        sb.append("    ").append(s).append('\n');
      }
    } else {
      sb.append('\n');
    }
    return sb.toString();
  }

  private void appendConcurrent(StringBuilder sb) {
    sb.append("  concurrent operations (").append(concurrentTotal).append("):\n");
    for (Operation c : concurrent) {
      sb.append("    ").append(c).append('\n');
    }
    if (concurrentTotal > concurrent.size()) {
      sb.append("    ... ").append(concurrentTotal - concurrent.size()).append(" more\n");
    }
  }
}
