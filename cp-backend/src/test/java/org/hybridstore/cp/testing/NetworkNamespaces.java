package org.hybridstore.cp.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.hybridstore.testkit.ChildProcesses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Linux network namespace per etcd member, so that a member can be cut off from its peers (or
 * from the test's client) with iptables, as in the chaos suite (shared/notes/faults.md, sections 1
 * and 2). Root only.
 *
 * <pre>
 *  netns cpitRUN-m0  eth0 10.X.Y.11 ─┐
 *  netns cpitRUN-m1  eth0 10.X.Y.12 ─┼─ v-mN ── br0 ── v-root ── cprRUN 10.X.Y.1  (root namespace: the test JVM)
 *  netns cpitRUN-m2  eth0 10.X.Y.13 ─┘    netns cpitRUN-sw (the "switch")
 * </pre>
 *
 * <p>Each member listens on its own address, so peers and the client are told apart by address:
 * {@link #isolateFromPeers} drops everything between a member and the other members (the client
 * still reaches it: "partition-leader" when it is the leader), {@link #cutOffFromClient} drops
 * everything between a member and the test JVM. Rules are loaded atomically with {@code
 * iptables-restore} inside the member's namespace; {@link #heal} flushes them. The subnet is a free
 * 10.X.Y.0/24 with X in 251..254 (the chaos suite picks X up to 250), names carry a random run id,
 * and {@link #close} removes everything, also from the fixture's shutdown hook. Thread-safe.
 */
public final class NetworkNamespaces implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkNamespaces.class);
  private static final long COMMAND_TIMEOUT_SECONDS = 20;

  private final String runId;
  private final int members;
  private final String subnetPrefix;
  private final ReentrantLock lock = new ReentrantLock();
  private final List<String> namespaces = new ArrayList<>();
  private boolean rootVeth;

  private NetworkNamespaces(String runId, int members, String subnetPrefix) {
    this.runId = runId;
    this.members = members;
    this.subnetPrefix = subnetPrefix;
  }

  /**
   * Returns whether namespaces can be built here: root, and {@code ip} and {@code iptables} work.
   */
  public static boolean available() {
    try {
      return "0".equals(run(List.of("id", "-u")).strip())
          && runOk(List.of("ip", "netns", "list"))
          && runOk(List.of("iptables", "--version"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Builds the switch, the root veth and one namespace per member.
   *
   * @param members how many
   * @return the namespaces; close them
   */
  public static NetworkNamespaces create(int members) {
    Random random = ThreadLocalRandom.current();
    String runId = String.format("%06x", random.nextInt(1 << 24));
    String inUse =
        run(List.of("ip", "-o", "-4", "addr", "show"))
            + run(List.of("ip", "-4", "route", "show", "table", "all"));
    String prefix = null;
    for (int attempt = 0; attempt < 200 && prefix == null; attempt++) {
      String candidate = "10." + (251 + random.nextInt(4)) + "." + random.nextInt(256) + ".";
      if (!inUse.contains(candidate)) {
        prefix = candidate;
      }
    }
    if (prefix == null) {
      throw new IllegalStateException("no free 10.25x.Y.0/24 for the test namespaces");
    }
    NetworkNamespaces n = new NetworkNamespaces(runId, members, prefix);
    ChildProcesses.registerCleanup(n);
    try {
      n.build();
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  private void build() {
    String sw = "cpit" + runId + "-sw";
    ip("netns", "add", sw);
    namespaces.add(sw);
    ip("-n", sw, "link", "set", "lo", "up");
    ip("-n", sw, "link", "add", "br0", "type", "bridge");
    ip("-n", sw, "link", "set", "br0", "up");
    String root = "cpr" + runId;
    ip("link", "add", root, "type", "veth", "peer", "name", "v-root", "netns", sw);
    rootVeth = true;
    ip("addr", "add", rootAddress() + "/24", "dev", root);
    ip("link", "set", root, "up");
    ip("-n", sw, "link", "set", "v-root", "master", "br0");
    ip("-n", sw, "link", "set", "v-root", "up");
    for (int i = 0; i < members; i++) {
      String ns = namespace(i);
      String tmp = "cpt" + runId + i;
      ip("netns", "add", ns);
      namespaces.add(ns);
      ip("-n", ns, "link", "set", "lo", "up");
      ip("link", "add", tmp, "netns", ns, "type", "veth", "peer", "name", "v-m" + i, "netns", sw);
      ip("-n", ns, "link", "set", tmp, "name", "eth0");
      ip("-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
      ip("-n", ns, "link", "set", "eth0", "up");
      ip("-n", sw, "link", "set", "v-m" + i, "master", "br0");
      ip("-n", sw, "link", "set", "v-m" + i, "up");
    }
    LOG.info(
        "network namespaces {} on {}0/24, test JVM at {}", namespaces, subnetPrefix, rootAddress());
  }

  /** Returns member {@code i}'s namespace. */
  public String namespace(int i) {
    return "cpit" + runId + "-m" + i;
  }

  /** Returns member {@code i}'s address. */
  public String address(int i) {
    return subnetPrefix + (11 + i);
  }

  /** Returns the test JVM's address on the members' network. */
  public String rootAddress() {
    return subnetPrefix + "1";
  }

  /** Returns the command that runs {@code command} inside member {@code i}'s namespace. */
  public List<String> inside(int i, List<String> command) {
    List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", namespace(i)));
    out.addAll(command);
    return out;
  }

  /**
   * Drops all traffic between member {@code i} and every other member; the client still reaches it.
   */
  public void isolateFromPeers(int i) {
    StringBuilder rules = new StringBuilder("*filter\n");
    for (int p = 0; p < members; p++) {
      if (p != i) {
        rules.append("-A INPUT -s ").append(address(p)).append("/32 -j DROP\n");
        rules.append("-A OUTPUT -d ").append(address(p)).append("/32 -j DROP\n");
      }
    }
    restore(i, rules.append("COMMIT\n").toString());
  }

  /** Drops all traffic between member {@code i} and the test JVM; its peers still reach it. */
  public void cutOffFromClient(int i) {
    restore(
        i,
        "*filter\n-A INPUT -s "
            + rootAddress()
            + "/32 -j DROP\n-A OUTPUT -d "
            + rootAddress()
            + "/32 -j DROP\nCOMMIT\n");
  }

  /**
   * Refuses the test JVM's TCP traffic to member {@code i} with a reset (a firewall's REJECT, or a
   * closed port): the client learns at once that it cannot reach the member; its peers still do.
   */
  public void refuseClient(int i) {
    restore(
        i,
        "*filter\n-A INPUT -s "
            + rootAddress()
            + "/32 -p tcp -j REJECT --reject-with tcp-reset\nCOMMIT\n");
  }

  /** Removes member {@code i}'s rules. */
  public void heal(int i) {
    run(inside(i, List.of("iptables", "-w", "5", "-F")));
  }

  private void restore(int i, String rules) {
    run(inside(i, List.of("iptables-restore", "-w", "5", "--noflush")), rules);
  }

  /** Removes the root veth and every namespace (the processes inside must be gone already). */
  @Override
  public void close() {
    lock.lock();
    try {
      if (rootVeth) {
        runQuietly(List.of("ip", "link", "del", "cpr" + runId));
        rootVeth = false;
      }
      for (int i = namespaces.size() - 1; i >= 0; i--) {
        runQuietly(List.of("ip", "netns", "del", namespaces.get(i)));
      }
      namespaces.clear();
    } finally {
      lock.unlock();
    }
    ChildProcesses.unregisterCleanup(this);
  }

  private static void ip(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    run(cmd);
  }

  private static boolean runOk(List<String> cmd) {
    try {
      run(cmd);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void runQuietly(List<String> cmd) {
    try {
      run(cmd);
    } catch (RuntimeException e) {
      LOG.debug("{} failed: {}", cmd, e.getMessage());
    }
  }

  static String run(List<String> cmd) {
    return run(cmd, null);
  }

  private static String run(List<String> cmd, String stdin) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            cmd + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(cmd + " failed (" + p.exitValue() + "): " + text.strip());
      }
      return text;
    } catch (IOException e) {
      throw new IllegalStateException(cmd + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + cmd, e);
    }
  }

  /** Returns every namespace of this run still present (for tests of the fixture). */
  Set<String> leftovers() {
    Set<String> found = new HashSet<>();
    for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
      String name = line.strip().split("\\s+")[0];
      if (name.startsWith("cpit" + runId)) {
        found.add(name);
      }
    }
    return found;
  }
}
