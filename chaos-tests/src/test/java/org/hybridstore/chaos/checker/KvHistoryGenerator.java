package org.hybridstore.chaos.checker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Op;

/**
 * Generates kv histories in Porcupine's format ({@code {:process 3, :type :invoke, :f :append, :key
 * "7", :value "x 3 12 y"}}, one map per line) by simulating a linearizable store: every operation
 * takes effect atomically at a random instant between its invocation and its return, so an
 * uncorrupted history is linearizable by construction. Corruptions then break chosen keys.
 *
 * <p>It makes the 50-client histories committed under {@code histories/kv-generated/} (Porcupine's
 * own c50 files are not part of this project) and the small random histories of {@link
 * BruteForceAgreementTest}. Same spec and seed, same history. To rewrite the committed files, from
 * the repository root after {@code mvn -o -q -pl chaos-tests test-compile}:
 *
 * <pre>
 * java -cp chaos-tests/target/test-classes:chaos-tests/target/classes:$(cat /tmp/cp.txt) \
 *     org.hybridstore.chaos.checker.KvHistoryGenerator chaos-tests/src/test/resources/histories/kv-generated
 * </pre>
 */
public final class KvHistoryGenerator {

  /**
   * What to generate.
   *
   * @param clients concurrent clients (processes), each running one operation at a time
   * @param keys how many keys, chosen uniformly
   * @param opsPerClient operations each client invokes
   * @param getPercent share of gets, in percent
   * @param putPercent share of puts, in percent (the rest are appends)
   * @param crashPercent share of operations that end with {@code :info} or never complete (0 for
   *     Porcupine-format files); a crashed operation takes effect or not, at random
   * @param duration an operation lasts up to this long (time units)
   * @param think a client waits up to this long between operations
   */
  public record Spec(
      int clients,
      int keys,
      int opsPerClient,
      int getPercent,
      int putPercent,
      int crashPercent,
      int duration,
      int think) {}

  /** One event of a generated history. */
  public record Event(int process, String type, String f, String key, String value) {
    /**
     * Renders the event in Porcupine's kv format.
     *
     * @return one line, without newline
     */
    public String line() {
      return "{:process "
          + process
          + ", :type :"
          + type
          + ", :f :"
          + f
          + ", :key \""
          + key
          + "\", :value "
          + (value == null ? "nil" : "\"" + value + "\"")
          + "}";
    }
  }

  /** An operation of the simulation. */
  private static final class Sim {
    int process;
    String f;
    String key;
    String arg;
    double invoke;
    double effect;
    double ret;

    /** 0: completes OK; 1: ends with :info; 2: never completes. */
    int crash;

    boolean applied;
    String read;
  }

  private KvHistoryGenerator() {}

  /**
   * Generates a linearizable history.
   *
   * @param spec what to generate
   * @param seed the random seed
   * @return the events in real-time order
   */
  public static List<Event> generate(Spec spec, long seed) {
    Random rnd = new Random(seed);
    List<Sim> ops = new ArrayList<>();
    for (int p = 0; p < spec.clients(); p++) {
      double t = rnd.nextDouble() * spec.think();
      for (int i = 0; i < spec.opsPerClient(); i++) {
        Sim s = new Sim();
        s.process = p;
        int roll = rnd.nextInt(100);
        s.f =
            roll < spec.getPercent()
                ? "get"
                : roll < spec.getPercent() + spec.putPercent() ? "put" : "append";
        s.key = Integer.toString(rnd.nextInt(spec.keys()));
        s.arg = s.f.equals("get") ? null : "x " + p + " " + i + " y";
        s.invoke = t;
        s.effect = t + rnd.nextDouble() * spec.duration();
        s.ret = s.effect + rnd.nextDouble() * spec.duration();
        s.crash = rnd.nextInt(100) < spec.crashPercent() ? 1 + rnd.nextInt(2) : 0;
        s.applied = s.crash == 0 || rnd.nextBoolean();
        ops.add(s);
        if (s.crash != 0) {
          break; // a process that crashed never invokes again
        }
        t = s.ret + rnd.nextDouble() * spec.think();
      }
    }
    // Apply every operation at its instant, in time order, to one correct copy of the store.
    Map<String, String> store = new HashMap<>();
    List<Sim> byEffect = new ArrayList<>(ops);
    byEffect.sort(Comparator.comparingDouble(s -> s.effect));
    for (Sim s : byEffect) {
      if (!s.applied) {
        continue;
      }
      String current = store.getOrDefault(s.key, "");
      switch (s.f) {
        case "get" -> s.read = current;
        case "put" -> store.put(s.key, s.arg);
        default -> store.put(s.key, current + s.arg);
      }
    }
    record Timed(double time, int order, Event event) {}
    List<Timed> timed = new ArrayList<>();
    int order = 0;
    for (Sim s : ops) {
      timed.add(new Timed(s.invoke, order++, new Event(s.process, "invoke", s.f, s.key, s.arg)));
      if (s.crash == 0) {
        timed.add(
            new Timed(
                s.ret,
                order++,
                new Event(s.process, "ok", s.f, s.key, s.f.equals("get") ? s.read : s.arg)));
      } else if (s.crash == 1) {
        timed.add(new Timed(s.ret, order++, new Event(s.process, "info", s.f, s.key, s.arg)));
      }
    }
    timed.sort(Comparator.comparingDouble(Timed::time).thenComparingInt(Timed::order));
    List<Event> out = new ArrayList<>(timed.size());
    for (Timed t : timed) {
      out.add(t.event());
    }
    return out;
  }

  /**
   * Makes one key stale: a late OK get on it returns the value of an earlier OK get on the same
   * key, while an append that completed between them is missing from it. A pre-pass proves this.
   *
   * @param events a generated history
   * @param key the key to break
   * @return a copy with one get changed, or null when the key offers no such pair
   */
  public static List<Event> staleGet(List<Event> events, String key) {
    int[] completion = completions(events);
    for (int late = events.size() - 1; late >= 0; late--) {
      Event g = events.get(late);
      if (!isOkGet(g, key)) {
        continue;
      }
      int lateInvoke = invocationOf(events, late);
      for (int early = lateInvoke - 1; early >= 0; early--) {
        Event e = events.get(early);
        if (isOkGet(e, key)
            && !e.value().equals(g.value())
            && g.value().startsWith(e.value())
            && hasAppendBetween(events, completion, key, early, lateInvoke)) {
          List<Event> copy = new ArrayList<>(events);
          copy.set(late, new Event(g.process(), "ok", "get", key, e.value()));
          return copy;
        }
      }
    }
    return null;
  }

  /**
   * Breaks the order of two appends on one key in a way only a search finds: a get returns its
   * value with its last two appended suffixes swapped, while a later get (with no put on the key
   * anywhere near) still shows them in their real order. Every value read stays one that appends
   * can build, and no read misses a completed append.
   *
   * @param events a generated history
   * @param key the key to break
   * @return a copy with one get changed, or null when the key offers no such pair of gets
   */
  public static List<Event> swappedAppends(List<Event> events, String key) {
    Map<String, Boolean> isSuffix = new HashMap<>();
    for (Event e : events) {
      if (e.key().equals(key) && e.f().equals("append") && e.type().equals("invoke")) {
        isSuffix.put(e.value(), true);
      }
    }
    for (int first = 0; first < events.size(); first++) {
      Event g1 = events.get(first);
      if (!isOkGet(g1, key)) {
        continue;
      }
      String[] parts = lastTwoSuffixes(g1.value(), isSuffix);
      if (parts == null) {
        continue;
      }
      // A later get that began after g1 returned and still starts with g1's true value.
      for (int second = first + 1; second < events.size(); second++) {
        Event g2 = events.get(second);
        if (isOkGet(g2, key)
            && invocationOf(events, second) > first
            && g2.value().startsWith(g1.value())
            && noPutBetween(events, key, invocationOf(events, first), second)) {
          List<Event> copy = new ArrayList<>(events);
          copy.set(
              first, new Event(g1.process(), "ok", "get", key, parts[0] + parts[2] + parts[1]));
          return copy;
        }
      }
    }
    return null;
  }

  /** Splits v into prefix, second-to-last suffix and last suffix, or null. */
  private static String[] lastTwoSuffixes(String v, Map<String, Boolean> isSuffix) {
    for (int cut2 = v.length() - 1; cut2 > 0; cut2--) {
      String last = v.substring(cut2);
      if (!isSuffix.containsKey(last)) {
        continue;
      }
      for (int cut1 = cut2 - 1; cut1 >= 0; cut1--) {
        String prev = v.substring(cut1, cut2);
        if (isSuffix.containsKey(prev) && !prev.equals(last)) {
          return new String[] {v.substring(0, cut1), prev, last};
        }
      }
    }
    return null;
  }

  private static boolean isOkGet(Event e, String key) {
    return e.type().equals("ok") && e.f().equals("get") && e.key().equals(key);
  }

  private static int invocationOf(List<Event> events, int completion) {
    int p = events.get(completion).process();
    for (int i = completion - 1; i >= 0; i--) {
      if (events.get(i).process() == p && events.get(i).type().equals("invoke")) {
        return i;
      }
    }
    throw new IllegalStateException("no invocation for event " + completion);
  }

  /** For every invocation, the index of its completion (or max when it has none). */
  private static int[] completions(List<Event> events) {
    int[] out = new int[events.size()];
    Arrays.fill(out, Integer.MAX_VALUE);
    Map<Integer, Integer> pending = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      if (e.type().equals("invoke")) {
        pending.put(e.process(), i);
      } else {
        Integer inv = pending.remove(e.process());
        if (inv != null) {
          out[inv] = i;
        }
      }
    }
    return out;
  }

  /** Whether an OK append on key was invoked after {@code from} and returned before {@code to}. */
  private static boolean hasAppendBetween(
      List<Event> events, int[] completion, String key, int from, int to) {
    for (int i = from + 1; i < to; i++) {
      Event e = events.get(i);
      if (e.type().equals("invoke")
          && e.f().equals("append")
          && e.key().equals(key)
          && completion[i] < to) {
        return true;
      }
    }
    return false;
  }

  private static boolean noPutBetween(List<Event> events, String key, int from, int to) {
    // Any put event on the key in the window, or pending across it, could explain the reads.
    Map<Integer, Boolean> pendingPut = new HashMap<>();
    for (int i = 0; i <= to; i++) {
      Event e = events.get(i);
      if (!e.key().equals(key) || !e.f().equals("put")) {
        continue;
      }
      if (i >= from) {
        return false;
      }
      if (e.type().equals("invoke")) {
        pendingPut.put(e.process(), true);
      } else {
        pendingPut.remove(e.process());
      }
    }
    return pendingPut.isEmpty();
  }

  /**
   * Turns events into a history, as the porcupine-kv reader would.
   *
   * @param events the events
   * @return the history
   */
  public static History toHistory(List<Event> events) {
    History h = new History();
    for (Event e : events) {
      Object value = Arrays.asList(e.key(), e.value());
      h.append(
          switch (e.type()) {
            case "invoke" -> Op.invoke(e.process(), e.f(), value);
            case "ok" -> Op.ok(e.process(), e.f(), value);
            default -> Op.info(e.process(), e.f(), value);
          });
    }
    return h;
  }

  /**
   * Writes events as a Porcupine kv file.
   *
   * @param events the events
   * @param file the file
   * @throws IOException if it cannot be written
   */
  public static void write(List<Event> events, Path file) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Event e : events) {
      sb.append(e.line()).append('\n');
    }
    Files.writeString(file, sb, StandardCharsets.UTF_8);
  }

  /** The committed 50-client histories: name, spec, seed, and which keys to break how. */
  static final Spec C50 = new Spec(50, 10, 40, 40, 8, 0, 100, 500);

  /**
   * Builds one committed file's events.
   *
   * @param name c50-gen-ok-1, c50-gen-ok-2, c50-gen-bad-stale or c50-gen-bad-order
   * @return the events
   */
  static List<Event> committed(String name) {
    return switch (name) {
      case "c50-gen-ok-1" -> generate(C50, 1);
      case "c50-gen-ok-2" -> generate(C50, 2);
      case "c50-gen-bad-stale" -> {
        List<Event> e = generate(C50, 3);
        e = orFail(staleGet(e, "4"), name);
        yield orFail(staleGet(e, "7"), name);
      }
      case "c50-gen-bad-order" -> {
        List<Event> e = generate(C50, 4);
        e = orFail(swappedAppends(e, "2"), name);
        yield orFail(swappedAppends(e, "8"), name);
      }
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** The committed files' names, without the .txt extension. */
  static final List<String> COMMITTED =
      List.of("c50-gen-ok-1", "c50-gen-ok-2", "c50-gen-bad-stale", "c50-gen-bad-order");

  private static List<Event> orFail(List<Event> e, String name) {
    if (e == null) {
      throw new IllegalStateException(name + ": the chosen key offers nothing to break");
    }
    return e;
  }

  /**
   * Writes the committed histories.
   *
   * @param args the output folder
   * @throws IOException if a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    for (String name : COMMITTED) {
      List<Event> events = committed(name);
      write(events, dir.resolve(name + ".txt"));
      System.out.printf("%s: %d events%n", name, events.size());
    }
  }
}
