package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.hybridstore.chaos.checker.model.CasRegisterModel;
import org.hybridstore.chaos.checker.model.KvModel;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.Operation;
import org.junit.jupiter.api.Test;

/**
 * On thousands of small random cas-register and kv histories, the WGL checker, with and without its
 * pre-pass, agrees with a brute-force search over every order consistent with real time (written
 * independently of the models). A history without any completed operation must be UNKNOWN whatever
 * the brute force says.
 */
class BruteForceAgreementTest {

  private static final int CASES = 4000;

  @Test
  void check_agreesWithBruteForceOnRandomCasRegisterHistories() {
    LinearizabilityChecker<Object> checker =
        new LinearizabilityChecker<>(CasRegisterModel.emptyStrict());
    LinearizabilityChecker<Object> searchOnly =
        new LinearizabilityChecker<>(
            CasRegisterModel.emptyStrict(),
            LinearizabilityChecker.Options.defaults().withPrePass(false));
    int valid = 0;
    int invalid = 0;
    int proven = 0;
    for (int seed = 0; seed < CASES; seed++) {
      // Given a random history, truthful or with a corrupted read
      Generated g = generate(new Random(seed));

      // When judged by both checkers
      boolean expected = BruteForce.linearizable(g.history);
      LinearizabilityResult r = checker.analyze(g.history);
      Validity actual = r.validity();

      // Then they agree (the pre-pass never claims a linearizable history is not), and a
      // truthful history is always linearizable
      assertThat(actual)
          .as("seed %d:%n%s", seed, dump(g.history))
          .isEqualTo(expectedVerdict(g.history, expected));
      assertThat(searchOnly.analyze(g.history).validity())
          .as("search only, seed %d", seed)
          .isEqualTo(actual);
      if (r.counterexample() != null && r.counterexample().proof() != null) {
        proven++;
      }
      if (!g.corrupted) {
        assertThat(expected).as("truthful history, seed %d:%n%s", seed, dump(g.history)).isTrue();
      }
      if (expected) {
        valid++;
      } else {
        invalid++;
      }
    }
    // Both verdicts are well represented, and the pre-pass proves many, so the agreement means
    // something.
    assertThat(valid).isGreaterThan(CASES / 5);
    assertThat(invalid).isGreaterThan(CASES / 10);
    assertThat(proven).isGreaterThan(invalid / 4);
  }

  /** What the checker must say, given the brute force's answer. */
  private static Validity expectedVerdict(History h, boolean linearizable) {
    boolean anyCompleted = h.operations().stream().anyMatch(o -> o.isOk() || o.isFailed());
    if (!anyCompleted) {
      return Validity.UNKNOWN;
    }
    return linearizable ? Validity.VALID : Validity.INVALID;
  }

  @Test
  void check_agreesWithBruteForceOnRandomKvHistories() {
    LinearizabilityChecker<Map<Object, String>> checker =
        new LinearizabilityChecker<>(new KvModel());
    LinearizabilityChecker<Map<Object, String>> searchOnly =
        new LinearizabilityChecker<>(
            new KvModel(), LinearizabilityChecker.Options.defaults().withPrePass(false));
    LinearizabilityChecker<Map<Object, String>> whole =
        new LinearizabilityChecker<>(
            new KvModel(), LinearizabilityChecker.Options.defaults().withSplitByKey(false));
    int valid = 0;
    int invalid = 0;
    int proven = 0;
    for (int seed = 0; seed < CASES; seed++) {
      // Given a small random kv history (1-3 clients, 1-2 keys, some crashes), maybe with a
      // corrupted get
      Random rnd = new Random(seed);
      KvHistoryGenerator.Spec spec =
          new KvHistoryGenerator.Spec(
              1 + rnd.nextInt(3), 1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 40, 15, 15, 10, 3);
      List<KvHistoryGenerator.Event> events = KvHistoryGenerator.generate(spec, seed);
      boolean corrupted = false;
      if (rnd.nextInt(3) > 0) {
        List<KvHistoryGenerator.Event> bad = corruptGet(events, rnd);
        corrupted = bad != events;
        events = bad;
      }
      History h = KvHistoryGenerator.toHistory(events);

      // When judged by the brute force and the checker (split, whole, search only)
      boolean expected = KvBruteForce.linearizable(h);
      LinearizabilityResult r = checker.analyze(h);

      // Then they all agree, and a truthful history is always linearizable
      assertThat(r.validity())
          .as("seed %d:%n%s", seed, dump(h))
          .isEqualTo(expectedVerdict(h, expected));
      assertThat(searchOnly.analyze(h).validity())
          .as("search only, seed %d", seed)
          .isEqualTo(r.validity());
      assertThat(whole.analyze(h).validity())
          .as("whole history, seed %d", seed)
          .isEqualTo(r.validity());
      if (!corrupted) {
        assertThat(expected).as("truthful history, seed %d:%n%s", seed, dump(h)).isTrue();
      }
      if (r.validity() == Validity.VALID) {
        valid++;
      } else if (r.validity() == Validity.INVALID) {
        invalid++;
        proven += r.counterexample().proof() != null ? 1 : 0;
      }
    }
    assertThat(valid).isGreaterThan(CASES / 5);
    assertThat(invalid).isGreaterThan(CASES / 10);
    assertThat(proven).isGreaterThan(invalid / 4);
  }

  @Test
  void check_agreesWithBruteForceOnPutGetHistoriesWithUnreadUnknownPuts() {
    // The checker leaves out puts with unknown outcome whose value no get returned (when a key has
    // only puts and gets); the brute force keeps every operation.
    LinearizabilityChecker<Map<Object, String>> checker =
        new LinearizabilityChecker<>(new KvModel());
    int valid = 0;
    int invalid = 0;
    int withUnreadUnknownPut = 0;
    for (int seed = 0; seed < CASES; seed++) {
      // Given a small random history of puts and gets only, many of them crashed, maybe with a
      // corrupted get
      Random rnd = new Random(seed);
      KvHistoryGenerator.Spec spec =
          new KvHistoryGenerator.Spec(
              1 + rnd.nextInt(3), 1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 50, 50, 35, 10, 3);
      List<KvHistoryGenerator.Event> events = KvHistoryGenerator.generate(spec, seed);
      if (rnd.nextBoolean()) {
        events = corruptGet(events, rnd);
      }
      History h = KvHistoryGenerator.toHistory(events);
      if (hasUnreadUnknownPut(h)) {
        withUnreadUnknownPut++;
      }

      // When judged by the brute force and the checker
      boolean expected = KvBruteForce.linearizable(h);
      Validity actual = checker.analyze(h).validity();

      // Then they agree
      assertThat(actual).as("seed %d:%n%s", seed, dump(h)).isEqualTo(expectedVerdict(h, expected));
      if (actual == Validity.VALID) {
        valid++;
      } else if (actual == Validity.INVALID) {
        invalid++;
      }
    }
    assertThat(valid).isGreaterThan(CASES / 5);
    assertThat(invalid).isGreaterThan(CASES / 20);
    assertThat(withUnreadUnknownPut).as("histories the rule applies to").isGreaterThan(CASES / 5);
  }

  /** Whether some put with unknown outcome wrote a value no OK get of its key returned. */
  private static boolean hasUnreadUnknownPut(History h) {
    List<Operation> ops = h.operations();
    for (Operation put : ops) {
      if (!put.invocation().f().equals("put") || put.isOk() || put.isFailed()) {
        continue;
      }
      List<?> written = (List<?>) put.invocation().value();
      boolean read = false;
      for (Operation get : ops) {
        if (get.invocation().f().equals("get") && get.isOk()) {
          List<?> got = (List<?>) get.completion().value();
          read |= got.get(0).equals(written.get(0)) && Objects.equals(got.get(1), written.get(1));
        }
      }
      if (!read) {
        return true;
      }
    }
    return false;
  }

  /**
   * Replaces the value of a random OK get: empty, another get's value, a chunk more, or a chunk
   * less.
   */
  private static List<KvHistoryGenerator.Event> corruptGet(
      List<KvHistoryGenerator.Event> events, Random rnd) {
    List<Integer> gets = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).type().equals("ok") && events.get(i).f().equals("get")) {
        gets.add(i);
      }
    }
    if (gets.isEmpty()) {
      return events;
    }
    int i = gets.get(rnd.nextInt(gets.size()));
    KvHistoryGenerator.Event g = events.get(i);
    String v = g.value();
    String wrong =
        switch (rnd.nextInt(4)) {
          case 0 -> "";
          case 1 -> events.get(gets.get(rnd.nextInt(gets.size()))).value();
          case 2 -> v + "x 9 " + rnd.nextInt(3) + " y";
          default -> v.length() > 7 ? v.substring(7) : v + v;
        };
    List<KvHistoryGenerator.Event> copy = new ArrayList<>(events);
    copy.set(i, new KvHistoryGenerator.Event(g.process(), "ok", "get", g.key(), wrong));
    return copy;
  }

  /** Tries every real-time-respecting order of kv operations; unknown outcomes are optional. */
  static final class KvBruteForce {
    private final List<Operation> ops;
    private final long[] call;
    private final long[] ret;
    private final boolean[] required;

    private KvBruteForce(List<Operation> ops) {
      this.ops = ops;
      call = new long[ops.size()];
      ret = new long[ops.size()];
      required = new boolean[ops.size()];
      for (int i = 0; i < ops.size(); i++) {
        Operation o = ops.get(i);
        call[i] = o.invocation().index();
        required[i] = o.isOk();
        ret[i] = o.isOk() ? o.completion().index() : Long.MAX_VALUE;
      }
    }

    static boolean linearizable(History h) {
      List<Operation> ops = h.operations().stream().filter(o -> !o.isFailed()).toList();
      return new KvBruteForce(ops).search(new boolean[ops.size()], new HashMap<>());
    }

    private boolean search(boolean[] placed, Map<Object, String> store) {
      boolean done = true;
      for (int i = 0; i < placed.length; i++) {
        if (required[i] && !placed[i]) {
          done = false;
        }
      }
      if (done) {
        return true;
      }
      for (int x = 0; x < placed.length; x++) {
        if (placed[x] || !minimal(placed, x)) {
          continue;
        }
        Operation o = ops.get(x);
        List<?> in = (List<?>) o.invocation().value();
        Object key = in.get(0);
        String current = store.getOrDefault(key, "");
        Map<Object, String> next = new HashMap<>(store);
        switch (o.invocation().f()) {
          case "get" -> {
            if (o.isOk() && !current.equals(((List<?>) o.completion().value()).get(1))) {
              continue;
            }
          }
          case "put" -> next.put(key, (String) in.get(1));
          default -> next.put(key, current + in.get(1));
        }
        boolean[] copy = Arrays.copyOf(placed, placed.length);
        copy[x] = true;
        if (search(copy, next)) {
          return true;
        }
      }
      return false;
    }

    private boolean minimal(boolean[] placed, int x) {
      for (int y = 0; y < placed.length; y++) {
        if (y != x && !placed[y] && ret[y] < call[x]) {
          return false;
        }
      }
      return true;
    }
  }

  private record Generated(History history, boolean corrupted) {}

  /** Simulates a real register with 1-3 processes; some reads are corrupted, some ops crash. */
  private static Generated generate(Random rnd) {
    int processes = 1 + rnd.nextInt(3);
    int toInvoke = 1 + rnd.nextInt(7);
    Long register = null;
    History h = new History();
    String[] f = new String[processes];
    Object[] arg = new Object[processes];
    Object[] result = new Object[processes];
    boolean[] applied = new boolean[processes];
    boolean[] succeeded = new boolean[processes];
    boolean corrupted = false;
    int busy = 0;
    while (toInvoke > 0 || busy > 0) {
      int p = rnd.nextInt(processes);
      if (f[p] == null) {
        if (toInvoke == 0) {
          continue;
        }
        toInvoke--;
        busy++;
        int kind = rnd.nextInt(3);
        f[p] = kind == 0 ? "read" : kind == 1 ? "write" : "cas";
        arg[p] =
            kind == 0
                ? null
                : kind == 1
                    ? (Object) (long) rnd.nextInt(3)
                    : List.of((long) rnd.nextInt(3), (long) rnd.nextInt(3));
        applied[p] = false;
        h.append(Op.invoke(p, f[p], arg[p]));
        continue;
      }
      int action = rnd.nextInt(10);
      if (!applied[p] && action < 4) {
        // The op takes effect now, atomically.
        applied[p] = true;
        switch (f[p]) {
          case "read" -> result[p] = register;
          case "write" -> register = (Long) arg[p];
          default -> {
            List<?> cas = (List<?>) arg[p];
            succeeded[p] = Objects.equals(register, cas.get(0));
            if (succeeded[p]) {
              register = (Long) cas.get(1);
            }
          }
        }
        continue;
      }
      if (action == 9 && toInvoke == 0) {
        // Crash: the op never completes (it may or may not have taken effect).
        f[p] = null;
        busy--;
        continue;
      }
      if (!applied[p] || action == 8) {
        if (action >= 7 || !applied[p] && action >= 6) {
          h.append(Op.info(p, f[p], arg[p]).withError("timed-out"));
          f[p] = null;
          busy--;
        }
        continue;
      }
      switch (f[p]) {
        case "read" -> {
          Object v = result[p];
          if (rnd.nextInt(3) == 0) {
            Object wrong = rnd.nextInt(4) == 0 ? null : (Object) (long) rnd.nextInt(3);
            corrupted |= !Objects.equals(wrong, v);
            v = wrong;
          }
          h.append(Op.ok(p, "read", v));
        }
        case "write" -> h.append(Op.ok(p, "write", arg[p]));
        default -> h.append(succeeded[p] ? Op.ok(p, "cas", arg[p]) : Op.fail(p, "cas", arg[p]));
      }
      f[p] = null;
      busy--;
    }
    return new Generated(h, corrupted);
  }

  private static String dump(History h) {
    StringBuilder sb = new StringBuilder();
    h.ops().forEach(op -> sb.append(op).append('\n'));
    return sb.toString();
  }

  /** Tries every order of the operations that respects real time; unknown outcomes are optional. */
  static final class BruteForce {
    private final List<Operation> ops;
    private final long[] call;
    private final long[] ret;
    private final boolean[] required;

    private BruteForce(List<Operation> ops) {
      this.ops = ops;
      call = new long[ops.size()];
      ret = new long[ops.size()];
      required = new boolean[ops.size()];
      for (int i = 0; i < ops.size(); i++) {
        Operation o = ops.get(i);
        call[i] = o.invocation().index();
        required[i] = o.isOk();
        ret[i] = o.isOk() ? o.completion().index() : Long.MAX_VALUE;
      }
    }

    static boolean linearizable(History h) {
      List<Operation> ops = h.operations().stream().filter(o -> !o.isFailed()).toList();
      return new BruteForce(ops).search(new boolean[ops.size()], null);
    }

    private boolean search(boolean[] placed, Long register) {
      boolean done = true;
      for (int i = 0; i < placed.length; i++) {
        if (required[i] && !placed[i]) {
          done = false;
        }
      }
      if (done) {
        return true;
      }
      for (int x = 0; x < placed.length; x++) {
        if (placed[x] || !minimal(placed, x)) {
          continue;
        }
        Operation o = ops.get(x);
        Object in = o.invocation().value();
        Long next;
        switch (o.invocation().f()) {
          case "read" -> {
            if (o.isOk() && !Objects.equals(o.completion().value(), register)) {
              continue;
            }
            next = register;
          }
          case "write" -> next = (Long) in;
          default -> {
            List<?> cas = (List<?>) in;
            if (!Objects.equals(cas.get(0), register)) {
              continue;
            }
            next = (Long) cas.get(1);
          }
        }
        boolean[] copy = Arrays.copyOf(placed, placed.length);
        copy[x] = true;
        if (search(copy, next)) {
          return true;
        }
      }
      return false;
    }

    /** x may come next if no unplaced op returned before x was invoked. */
    private boolean minimal(boolean[] placed, int x) {
      for (int y = 0; y < placed.length; y++) {
        if (y != x && !placed[y] && ret[y] < call[x]) {
          return false;
        }
      }
      return true;
    }
  }

  @Test
  void bruteForce_detectsStaleRead() {
    // Given write 1 completed before a read of nil began
    History h =
        History.of(
            List.of(
                Op.invoke(0, "write", 1L),
                Op.ok(0, "write", 1L),
                Op.invoke(1, "read", null),
                Op.ok(1, "read", null)));

    // Then the reference itself says not linearizable (it can fail)
    assertThat(BruteForce.linearizable(h)).isFalse();
  }
}
