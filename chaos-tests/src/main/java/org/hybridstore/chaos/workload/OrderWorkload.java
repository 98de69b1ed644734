package org.hybridstore.chaos.workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStatus;
import org.hybridstore.chaos.checker.Checker;
import org.hybridstore.chaos.checker.Checkers;
import org.hybridstore.chaos.checker.LinearizabilityChecker;
import org.hybridstore.chaos.checker.MonotonicStatusChecker;
import org.hybridstore.chaos.checker.NoDoubleApplicationChecker;
import org.hybridstore.chaos.checker.NoLostAckedWritesChecker;
import org.hybridstore.chaos.checker.ReplicasConvergeChecker;
import org.hybridstore.chaos.checker.model.KvModel;
import org.hybridstore.chaos.client.OrderClient;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.OpType;

/**
 * A mix of order commands on a small key space, so that nodes write the same orders concurrently
 * (and conflict while degraded), plus reads.
 *
 * <p>Operations (see {@link org.hybridstore.chaos.client.OrderClient} for the value shapes): {@code
 * put}/{@code get} on the register keys {@code reg-0..}, {@code transition} and {@code status-read}
 * on the same keys (after {@value #OPS_PER_REGISTER_KEY} such operations per key the next set,
 * {@code reg-1-0..}, takes over; every set is created in the setup), {@code add} of fresh orders
 * {@code set-N}, and {@code bump} of the lines of carts {@code cart-N} (each cart is created by a
 * {@code cart} op before its first bump and takes {@value #BUMPS_PER_CART} fresh bumps, well inside
 * the op-id retention, then the next cart takes over). A third of the bumps resubmit a bump that
 * was already acknowledged, under its op id, as a client that lost the answer would; the client
 * also retries writes whose outcome is unknown on the other nodes under the same op id. The setup's
 * register orders enter the history as acknowledged {@code add}s. After the run, final reads add
 * for every node (and for etcd itself, as node {@code etcd}) one {@code final-read} (every order it
 * holds) and one {@code read} (the ids of every order it holds).
 *
 * <p>Checks:
 *
 * <ul>
 *   <li>{@code linearizable}: the {@code put}/{@code get} ops against a key-value model, split by
 *       key. A put acknowledged PROVISIONAL counts as an op of unknown outcome: it takes effect
 *       when reconciliation folds it into etcd, or never if a later write wins the last-writer-wins
 *       merge; a single correct register allows exactly that.
 *   <li>{@code no-lost}: every acknowledged create ({@code add}, {@code cart}, setup) is in the
 *       final reads of every node and of etcd, and no reader holds an order nobody created.
 *   <li>{@code no-duplicates}: no bump is applied twice (see {@link NoDoubleApplicationChecker}).
 *   <li>{@code status-monotonic}: a node's local reads never see a status go backwards.
 *   <li>{@code replicas-converge}: every node's replica and etcd hold the same orders at the end.
 * </ul>
 */
public final class OrderWorkload {
  /** Fresh bumps per cart before the next cart takes over (below the op-id retention of 64). */
  public static final int BUMPS_PER_CART = 40;

  /** The weights of the operation mix. */
  private static final String[] MIX = {
    "put",
    "put",
    "put",
    "put",
    "get",
    "get",
    "get",
    "add",
    "add",
    "transition",
    "status-read",
    "bump",
    "bump",
    "bump"
  };

  private static final List<String> PATH =
      List.of("PAID", "FULFILLING", "SHIPPED", "DELIVERED", "CANCELLED");
  private static final int RESUBMIT_POOL = 64;

  /**
   * Register operations ({@code put}, {@code get}, {@code transition}, {@code status-read}) per key
   * before the next set of register keys takes over: Jepsen's independent keys with a per-key
   * limit, so that one key's linearizability search stays within its budget however long the run.
   */
  public static final int OPS_PER_REGISTER_KEY = 5_000;

  /** Register operations in {@link #MIX}: put 4, get 3, transition 1, status-read 1 of 14. */
  private static final double REGISTER_SHARE = 9.0 / 14;

  private final int registerKeys;
  private final int generations;
  private final AtomicLong registerOps = new AtomicLong();
  private final AtomicLong values = new AtomicLong();
  private final AtomicLong setIds = new AtomicLong();
  private final AtomicLong bumpIds = new AtomicLong();
  private int cart = -1;
  private int bumpsOnCart = BUMPS_PER_CART;
  private final List<List<String>> acknowledgedBumps = new ArrayList<>();

  /**
   * Creates the workload with one set of register keys.
   *
   * @param registerKeys how many register orders (a small number forces conflicts)
   */
  public OrderWorkload(int registerKeys) {
    this(registerKeys, 1);
  }

  /**
   * Creates the workload.
   *
   * @param registerKeys how many register orders are written at a time (a small number forces
   *     conflicts)
   * @param generations how many sets of them the run may go through, each taking over after {@link
   *     #OPS_PER_REGISTER_KEY} register operations per key (the last set takes whatever follows)
   */
  public OrderWorkload(int registerKeys, int generations) {
    if (registerKeys < 1 || generations < 1) {
      throw new IllegalArgumentException("register keys and generations must be positive");
    }
    this.registerKeys = registerKeys;
    this.generations = generations;
  }

  /**
   * How many sets of register keys a run of about {@code expectedOps} operations needs.
   *
   * @param expectedOps operations the run may issue (err high: an overflow lands on the last set)
   * @param registerKeys register keys per set
   * @return at least 1
   */
  public static int generationsFor(long expectedOps, int registerKeys) {
    long registerOps = (long) Math.ceil(expectedOps * REGISTER_SHARE);
    return (int) Math.min(1_000, 1 + registerOps / ((long) registerKeys * OPS_PER_REGISTER_KEY));
  }

  /** Returns every register order's id, of every set ({@code reg-I}, then {@code reg-G-I}). */
  public List<String> registerKeys() {
    List<String> keys = new ArrayList<>();
    for (int g = 0; g < generations; g++) {
      for (int i = 0; i < registerKeys; i++) {
        keys.add(registerKey(g, i));
      }
    }
    return keys;
  }

  private static String registerKey(int generation, int i) {
    return generation == 0 ? "reg-" + i : "reg-" + generation + "-" + i;
  }

  /** Returns the commands that create the register orders before the run. */
  public List<OrderCommand> setup() {
    return registerKeys().stream()
        .<OrderCommand>map(
            k -> OrderCommand.Create.of(OrderId.of(k), OpId.of("setup-" + k), "setup", "EUR"))
        .toList();
  }

  /**
   * Returns the next invocation.
   *
   * @param random the generator's randomness
   * @param process the process that will perform it
   * @return the invocation
   */
  public Op next(Random random, int process) {
    String f = MIX[random.nextInt(MIX.length)];
    int index = random.nextInt(registerKeys);
    String key = "";
    if (!f.equals("add") && !f.equals("bump")) {
      long perGeneration = (long) registerKeys * OPS_PER_REGISTER_KEY;
      int generation =
          (int) Math.min(generations - 1, registerOps.getAndIncrement() / perGeneration);
      key = registerKey(generation, index);
    }
    return switch (f) {
      case "put" ->
          Op.invoke(process, "put", List.of(key, Long.toString(values.incrementAndGet())));
      case "get" -> Op.invoke(process, "get", List.of(key, ""));
      case "add" -> Op.invoke(process, "add", "set-" + setIds.incrementAndGet());
      case "transition" ->
          Op.invoke(process, "transition", List.of(key, PATH.get(random.nextInt(PATH.size()))));
      case "status-read" -> Op.invoke(process, "status-read", key);
      case "bump" -> bump(random, process);
      default -> throw new AssertionError(f);
    };
  }

  private synchronized Op bump(Random random, int process) {
    if (!acknowledgedBumps.isEmpty() && random.nextInt(3) == 0) {
      // Resubmit an acknowledged bump under its op id: it must not count twice.
      return Op.invoke(
          process, "bump", acknowledgedBumps.get(random.nextInt(acknowledgedBumps.size())));
    }
    if (bumpsOnCart >= BUMPS_PER_CART) {
      cart++;
      bumpsOnCart = 0;
      return Op.invoke(process, "cart", "cart-" + cart);
    }
    bumpsOnCart++;
    String sku = OrderClient.CART_SKUS.get(random.nextInt(OrderClient.CART_SKUS.size()));
    return Op.invoke(
        process, "bump", List.of("cart-" + cart, sku, "bump-" + bumpIds.incrementAndGet()));
  }

  /**
   * Tells the generator how an operation ended (acknowledged bumps become candidates for
   * resubmission).
   *
   * @param completion the completion
   */
  @SuppressWarnings("unchecked")
  public synchronized void observe(Op completion) {
    if (completion.f().equals("bump") && completion.type() == OpType.OK) {
      acknowledgedBumps.add((List<String>) completion.value());
      if (acknowledgedBumps.size() > RESUBMIT_POOL) {
        acknowledgedBumps.remove(0);
      }
    }
  }

  /** Returns the composed checker. */
  public Checker checker() {
    Map<String, Checker> checks = new LinkedHashMap<>();
    checks.put(
        "linearizable",
        h ->
            LinearizabilityChecker.of(new KvModel(), LinearizabilityChecker.Options.defaults())
                .check(view(h, Set.of("put", "get"))));
    checks.put(
        "no-lost",
        h ->
            new NoLostAckedWritesChecker("add", "read")
                .check(view(h, Set.of("add", "cart", "read"))));
    checks.put(
        "no-duplicates",
        h -> new NoDoubleApplicationChecker().check(view(h, Set.of("bump", "final-read"))));
    List<String> ranks = Arrays.stream(OrderStatus.values()).map(Enum::name).toList();
    checks.put(
        "status-monotonic",
        h ->
            new MonotonicStatusChecker("status-read", MonotonicStatusChecker.byRank(ranks))
                .check(view(h, Set.of("status-read"))));
    checks.put(
        "replicas-converge",
        h ->
            new ReplicasConvergeChecker("final-read", v -> v).check(view(h, Set.of("final-read"))));
    return Checkers.compose(checks);
  }

  /**
   * Returns whether a write completion was acknowledged provisionally.
   *
   * @param op a completion
   * @return whether its mode starts with PROVISIONAL
   */
  public static boolean provisional(Op op) {
    return op.mode() != null && op.mode().startsWith("PROVISIONAL");
  }

  /**
   * Returns the ops with the given functions, with provisional acknowledgements of {@code put}
   * turned into unknown outcomes (see the class comment), and carts counted as adds.
   */
  static History view(History h, Set<String> functions) {
    List<Op> out = new ArrayList<>();
    for (Op op : h.ops()) {
      if (!op.isClient() || !functions.contains(op.f())) {
        continue;
      }
      if (op.f().equals("put") && op.type() == OpType.OK && provisional(op)) {
        op =
            new Op(
                op.index(),
                op.timeNanos(),
                op.process(),
                OpType.INFO,
                op.f(),
                op.value(),
                "provisional",
                op.node(),
                op.mode());
      }
      if (op.f().equals("cart")) {
        op =
            new Op(
                op.index(),
                op.timeNanos(),
                op.process(),
                op.type(),
                "add",
                op.value(),
                op.error(),
                op.node(),
                op.mode());
      }
      out.add(op);
    }
    return History.of(out);
  }
}
