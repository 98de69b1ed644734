package org.hybridstore.chaos.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An append-only history of ops in real-time order.
 *
 * <p>Each {@link #append} assigns the next index (0, 1, ...), so the index order is the real-time
 * order in which events were recorded. This class is threadsafe: appends are serialised by a lock
 * and {@link #ops()} returns an immutable snapshot.
 */
public final class History {

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayList<Op> ops = new ArrayList<>();

  /** Creates an empty history. */
  public History() {
    // empty
  }

  /**
   * Creates a history holding the given ops in order, re-indexed from 0.
   *
   * @param ops the events in real-time order
   * @return the history
   */
  public static History of(Collection<Op> ops) {
    History h = new History();
    for (Op op : ops) {
      h.append(op);
    }
    return h;
  }

  /**
   * Appends an event, assigning it the next index.
   *
   * @param op the event; its index is ignored
   * @return the appended event, with its index
   * @throws NullPointerException if op is null
   */
  public Op append(Op op) {
    lock.lock();
    try {
      Op indexed = op.withIndex(ops.size());
      ops.add(indexed);
      return indexed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns a snapshot of all events.
   *
   * @return an immutable list, in index order
   */
  public List<Op> ops() {
    lock.lock();
    try {
      return List.copyOf(ops);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the number of events.
   *
   * @return the size
   */
  public int size() {
    lock.lock();
    try {
      return ops.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Pairs each client invocation with the next completion of the same process.
   *
   * <p>An invocation whose process invokes again, or that is still pending at the end, gets a null
   * completion (its outcome is unknown). A completion without a pending invocation and all nemesis
   * events are skipped. The result is ordered by invocation index.
   *
   * @return the operations
   */
  public List<Operation> operations() {
    return pair(ops());
  }

  /**
   * Pairs invocations with completions in a list of events; see {@link #operations()}.
   *
   * @param events events in real-time order
   * @return the operations, ordered by invocation
   */
  public static List<Operation> pair(List<Op> events) {
    Map<Integer, Integer> pending = new HashMap<>();
    List<Op> invocations = new ArrayList<>();
    List<Op> completions = new ArrayList<>();
    for (Op op : events) {
      if (!op.isClient()) {
        continue;
      }
      if (op.type() == OpType.INVOKE) {
        // A new invocation while one is pending leaves the old one open (unknown outcome).
        pending.put(op.process(), invocations.size());
        invocations.add(op);
        completions.add(null);
      } else {
        Integer slot = pending.remove(op.process());
        if (slot != null) {
          completions.set(slot, op);
        }
      }
    }
    List<Operation> result = new ArrayList<>(invocations.size());
    for (int i = 0; i < invocations.size(); i++) {
      result.add(new Operation(invocations.get(i), completions.get(i)));
    }
    return result;
  }

  @Override
  public String toString() {
    return "History[" + size() + " ops]";
  }
}
