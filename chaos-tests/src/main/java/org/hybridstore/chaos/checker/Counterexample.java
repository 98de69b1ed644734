package org.hybridstore.chaos.checker;

import java.util.List;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.Operation;

/**
 * Why a history is not linearizable, for a person to read.
 *
 * <p>The search got furthest up to the return of {@link #op()}: in every configuration it
 * explored, all operations that returned before it could be linearized, but {@code op} could not
 * be linearized before its own return. {@link #possibleStates()} are model states the object
 * could have been in just before that return; {@link #concurrent()} are operations whose
 * intervals overlap {@code op}'s; {@link #linearizedTail()} is the end of one linearization of the
 * longest linearizable prefix found, each operation with the state after it.
 *
 * @param partition the partition key, or null when the history was not split
 * @param op the operation that cannot be linearized
 * @param possibleStates up to ten states possible just before its return
 * @param concurrent up to twelve operations concurrent with it
 * @param concurrentTotal how many operations are concurrent with it in all
 * @param linearizedTail the last (up to twelve) steps of the longest linearizable prefix, as
 *     {@code "<operation>  => <state>"}
 * @param linearizedCount how many operations that prefix linearized
 */
public record Counterexample(Object partition, Operation op, List<String> possibleStates,
                             List<Operation> concurrent, int concurrentTotal,
                             List<String> linearizedTail, int linearizedCount) {

    /**
     * Copies the lists.
     */
    public Counterexample {
        possibleStates = List.copyOf(possibleStates);
        concurrent = List.copyOf(concurrent);
        linearizedTail = List.copyOf(linearizedTail);
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
        sb.append("  possible states just before it returned: ")
                .append(possibleStates.isEmpty() ? "(none)" : String.join(", ", possibleStates)).append('\n');
        sb.append("  concurrent operations (").append(concurrentTotal).append("):\n");
        for (Operation c : concurrent) {
            sb.append("    ").append(c).append('\n');
        }
        if (concurrentTotal > concurrent.size()) {
            sb.append("    ... ").append(concurrentTotal - concurrent.size()).append(" more\n");
        }
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
}
