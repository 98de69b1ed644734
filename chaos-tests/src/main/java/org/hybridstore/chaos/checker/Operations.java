package org.hybridstore.chaos.checker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Operation;

/** Helpers shared by the safety checkers. */
final class Operations {

  private Operations() {}

  /**
   * Returns the OK operations with a given function, in invocation order.
   *
   * @param history the history
   * @param f the function
   * @return the operations
   */
  static List<Operation> ok(History history, String f) {
    List<Operation> out = new ArrayList<>();
    for (Operation op : history.operations()) {
      if (op.isOk() && op.invocation().f().equals(f)) {
        out.add(op);
      }
    }
    return out;
  }

  /**
   * Returns the node an operation talked to: the completion's, else the invocation's, else {@code
   * "process <n>"}.
   *
   * @param op the operation
   * @return the node name
   */
  static String node(Operation op) {
    if (op.completion() != null && op.completion().node() != null) {
      return op.completion().node();
    }
    if (op.invocation().node() != null) {
      return op.invocation().node();
    }
    return "process " + op.invocation().process();
  }

  /**
   * Returns the result of a completed read as a collection.
   *
   * @param op an OK read
   * @return the elements
   * @throws IllegalArgumentException if the value is not a collection
   */
  static Collection<?> elements(Operation op) {
    Object v = op.completion().value();
    if (v == null) {
      return List.of();
    }
    if (v instanceof Collection<?> c) {
      return c;
    }
    throw new IllegalArgumentException("expected a collection as the value of " + op.completion());
  }

  /**
   * Returns the first {@code limit} items as a list, for details maps.
   *
   * @param items the items
   * @param limit the limit
   * @param <T> the item type
   * @return at most limit items
   */
  static <T> List<T> first(Collection<T> items, int limit) {
    List<T> out = new ArrayList<>(Math.min(limit, items.size()));
    for (T t : items) {
      if (out.size() == limit) {
        break;
      }
      out.add(t);
    }
    return out;
  }
}
