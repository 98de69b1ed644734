package org.hybridstore.chaos.checker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Operation;

/**
 * A status never goes backwards in the reads of one node: once a read from a node has returned a
 * status, a read from the same node that begins afterwards never returns an earlier status.
 *
 * <p>Op shape: a read is {@code {:f "read"}} completing OK, with the node in the op's {@code node}
 * field (otherwise the process stands for the node), and with either a map from entity (for example
 * an order id) to status, or a single status (one implicit entity). Nil statuses (not found) are
 * skipped. Statuses are ordered by a comparator given by the caller, for example {@link
 * #byRank(List)}. Reads that overlap in time may be answered in either order, so only reads that
 * begin after another read of the same node completed are compared with it. Verdict: INVALID when
 * some status went backwards; UNKNOWN when no read followed an earlier read of the same entity on
 * its node (nothing could have gone backwards); VALID otherwise. Instances are immutable and
 * threadsafe if the comparator is.
 */
public final class MonotonicStatusChecker implements Checker {

  private static final int LIST_LIMIT = 20;
  private static final String SINGLE = "";

  private final String readF;
  private final Comparator<Object> order;

  /**
   * Creates the checker for {@code read}.
   *
   * @param order the order of statuses; earlier is smaller
   */
  public MonotonicStatusChecker(Comparator<Object> order) {
    this("read", order);
  }

  /**
   * Creates the checker.
   *
   * @param readF the function of reads
   * @param order the order of statuses; earlier is smaller
   */
  public MonotonicStatusChecker(String readF, Comparator<Object> order) {
    this.readF = Objects.requireNonNull(readF, "readF");
    this.order = Objects.requireNonNull(order, "order");
  }

  /**
   * Orders statuses by their position in a list.
   *
   * @param statusesInOrder the statuses, earliest first
   * @return a comparator that throws {@link IllegalArgumentException} for a status not in the list
   */
  public static Comparator<Object> byRank(List<?> statusesInOrder) {
    Map<Object, Integer> rank = new HashMap<>();
    for (int i = 0; i < statusesInOrder.size(); i++) {
      rank.put(statusesInOrder.get(i), i);
    }
    return Comparator.comparingInt(
        s -> {
          Integer r = rank.get(s);
          if (r == null) {
            throw new IllegalArgumentException(
                "unknown status " + s + "; expected one of " + statusesInOrder);
          }
          return r;
        });
  }

  private record Seen(Object status, Operation read) {}

  @Override
  public CheckResult check(History history) {
    List<Operation> reads = Operations.ok(history, readF);
    // Sweep events in real-time order: a read's baseline is the highest status that reads of
    // its node had returned before it began.
    List<long[]> events = new ArrayList<>();
    for (int i = 0; i < reads.size(); i++) {
      events.add(new long[] {reads.get(i).invocation().index(), i, 0});
      events.add(new long[] {reads.get(i).completion().index(), i, 1});
    }
    events.sort(Comparator.comparingLong(e -> e[0]));
    Map<String, Map<Object, Seen>> highest = new HashMap<>();
    Map<Integer, Map<Object, Seen>> baselines = new HashMap<>();
    List<Map<String, Object>> violations = new ArrayList<>();
    int violationCount = 0;
    int compared = 0;
    for (long[] e : events) {
      Operation read = reads.get((int) e[1]);
      Map<Object, Object> statuses = statuses(read);
      Map<Object, Seen> nodeHighest =
          highest.computeIfAbsent(Operations.node(read), n -> new HashMap<>());
      if (e[2] == 0) {
        Map<Object, Seen> baseline = new HashMap<>();
        for (Object entity : statuses.keySet()) {
          Seen s = nodeHighest.get(entity);
          if (s != null) {
            baseline.put(entity, s);
          }
        }
        baselines.put((int) e[1], baseline);
        continue;
      }
      Map<Object, Seen> baseline = Objects.requireNonNull(baselines.remove((int) e[1]));
      for (Map.Entry<Object, Object> st : statuses.entrySet()) {
        Seen before = baseline.get(st.getKey());
        if (before != null) {
          compared++;
        }
        if (before != null && order.compare(st.getValue(), before.status()) < 0) {
          violationCount++;
          if (violations.size() < LIST_LIMIT) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("node", Operations.node(read));
            v.put("entity", st.getKey());
            v.put("from", before.status());
            v.put("to", st.getValue());
            v.put("earlier-read", before.read().toString());
            v.put("later-read", read.toString());
            violations.add(v);
          }
        }
        Seen current = nodeHighest.get(st.getKey());
        if (current == null || order.compare(st.getValue(), current.status()) > 0) {
          nodeHighest.put(st.getKey(), new Seen(st.getValue(), read));
        }
      }
    }
    // A read with no earlier read of the same entity on its node proves nothing: UNKNOWN unless
    // at least one read could have gone backwards.
    Validity validity =
        violationCount > 0 ? Validity.INVALID : compared == 0 ? Validity.UNKNOWN : Validity.VALID;
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("read-count", reads.size());
    d.put("compared-reads", compared);
    d.put("node-count", highest.size());
    d.put("violation-count", violationCount);
    d.put("violations", violations);
    return CheckResult.of(validity, d);
  }

  private static Map<Object, Object> statuses(Operation read) {
    Object v = read.completion().value();
    Map<Object, Object> out = new LinkedHashMap<>();
    if (v instanceof Map<?, ?> m) {
      m.forEach(
          (k, s) -> {
            if (s != null) {
              out.put(k, s);
            }
          });
    } else if (v != null) {
      out.put(SINGLE, v);
    }
    return out;
  }

  @Override
  public String toString() {
    return "MonotonicStatusChecker[" + readF + "]";
  }
}
