package org.hybridstore.chaos.checker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.OpType;
import org.hybridstore.chaos.history.Operation;

/**
 * No command is applied more than once: counts that a retried or resubmitted command would bump
 * twice never exceed the number of distinct commands that could have bumped them.
 *
 * <p>Op shapes: a bump is {@code {:f "bump", :value [order sku op-id]}}: add 1 to the quantity of
 * the order's line {@code sku}, a command under its op id; clients retry a bump whose outcome is
 * unknown, and resubmit acknowledged ones, always under the same op id. A final read is {@code {:f
 * "final-read"}} completing OK with a map from order id to the order ({@code "lines"}: a list of
 * {@code {"sku", "qty"}}); lines start at quantity 1.
 *
 * <p>For every final read (every node and etcd) and every line: {@code qty - 1} bumps were applied
 * to it, and at most one per distinct op id that could have been applied (a bump whose every try
 * definitely failed could not). More means some op id was applied twice: INVALID, with the line,
 * the node and the counts. Fewer is allowed (concurrent bumps on different degraded nodes join
 * last-writer-wins, by design). UNKNOWN when no bump was acknowledged or no final read holds a
 * bumped line; VALID otherwise. Instances are immutable and thread-safe.
 */
public final class NoDoubleApplicationChecker implements Checker {
  private static final int LIST_LIMIT = 20;

  @Override
  public CheckResult check(History history) {
    Map<String, Set<String>> possible = new HashMap<>();
    int acknowledged = 0;
    int invocations = 0;
    for (Operation op : history.operations()) {
      if (!op.invocation().f().equals("bump")) {
        continue;
      }
      invocations++;
      List<?> v = (List<?>) Objects.requireNonNull(op.invocation().value());
      String line = v.get(0) + "/" + v.get(1);
      if (op.isOk()) {
        acknowledged++;
      }
      if (op.completion() == null || op.completion().type() != OpType.FAIL) {
        possible.computeIfAbsent(line, k -> new HashSet<>()).add(String.valueOf(v.get(2)));
      }
    }
    List<Map<String, Object>> doubled = new ArrayList<>();
    int linesChecked = 0;
    int finalReads = 0;
    Set<String> distinctOpIds = new HashSet<>();
    possible.values().forEach(distinctOpIds::addAll);
    for (Operation read : Operations.ok(history, "final-read")) {
      finalReads++;
      String node = Operations.node(read);
      if (!(read.completion().value() instanceof Map<?, ?> orders)) {
        continue;
      }
      for (Map.Entry<?, ?> o : new TreeMap<>(orders).entrySet()) {
        if (!(o.getValue() instanceof Map<?, ?> order)
            || !(order.get("lines") instanceof List<?> lines)) {
          continue;
        }
        for (Object l : lines) {
          if (!(l instanceof Map<?, ?> lm)) {
            continue;
          }
          String line = o.getKey() + "/" + lm.get("sku");
          Set<String> ops = possible.get(line);
          if (ops == null) {
            continue;
          }
          linesChecked++;
          long applied = ((Number) Objects.requireNonNull(lm.get("qty"))).longValue() - 1;
          if (applied > ops.size()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("node", node);
            d.put("line", line);
            d.put("applied", applied);
            d.put("distinct-op-ids", ops.size());
            if (doubled.size() < LIST_LIMIT) {
              doubled.add(d);
            }
          }
        }
      }
    }
    Validity validity =
        !doubled.isEmpty()
            ? Validity.INVALID
            : acknowledged == 0 || linesChecked == 0 ? Validity.UNKNOWN : Validity.VALID;
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("bump-invocations", invocations);
    d.put("bump-acknowledged", acknowledged);
    d.put("distinct-op-ids", distinctOpIds.size());
    d.put("resubmitted-or-retried", invocations - distinctOpIds.size());
    d.put("final-reads", finalReads);
    d.put("lines-checked", linesChecked);
    d.put("applied-twice", doubled);
    if (validity == Validity.UNKNOWN) {
      d.put(
          "why-unknown",
          acknowledged == 0 ? "no bump was acknowledged" : "no final read holds a bumped line");
    }
    return CheckResult.of(validity, d);
  }
}
