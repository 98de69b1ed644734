package org.hybridstore.chaos.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and removes the namespaces, bridge and veths of one run (faults.md §1):
 *
 * <pre>
 *  netns hs-ID-h1  eth0 10.X.Y.11 ─┐
 *  netns hs-ID-h2  eth0 10.X.Y.12 ─┼─ v-hN ── br0 ── v-root ── hsrID 10.X.Y.1 (root namespace: the suite)
 *  netns hs-ID-h3  eth0 10.X.Y.13 ─┘    netns hs-ID-sw (the "switch")
 * </pre>
 *
 * No namespace has a default route, so nothing leaves the /24. Everything created is recorded as it
 * is created, so {@link #destroy()} removes exactly what exists of this run, also after a failure
 * halfway through {@link #create}.
 */
// Parsing command output, whose trailing empty fields are meant to go.
@SuppressWarnings("StringSplitter")
final class NamespaceTopology {

  private static final Logger LOG = LoggerFactory.getLogger(NamespaceTopology.class);

  private final String runId;
  private final List<String> namespaces = new ArrayList<>();
  private boolean rootVethCreated;
  private Naming.@Nullable Subnet subnet;

  NamespaceTopology(String runId) {
    this.runId = runId;
  }

  Naming.Subnet subnet() {
    return Objects.requireNonNull(subnet, "the namespaces are not created yet");
  }

  String switchNamespace() {
    return Naming.switchNamespace(runId);
  }

  /** Creates the switch, the root veth and {@code hosts} host namespaces. */
  void create(int hosts, Random random) {
    String inUse =
        Exec.run(List.of("ip", "-o", "-4", "addr", "show")).orThrow().stdout()
            + "\n"
            + Exec.run(List.of("ip", "-4", "route", "show", "table", "all")).orThrow().stdout();
    subnet = Naming.pickSubnet(random, Naming.parseInUse(inUse));
    String sw = Naming.switchNamespace(runId);
    String root = Naming.rootVeth(runId);

    ip("netns", "add", sw);
    namespaces.add(sw);
    ip("-n", sw, "link", "set", "lo", "up");
    ip("-n", sw, "link", "add", Naming.BRIDGE, "type", "bridge");
    ip("-n", sw, "link", "set", Naming.BRIDGE, "up");

    ip("link", "add", root, "type", "veth", "peer", "name", Naming.ROOT_PEER, "netns", sw);
    rootVethCreated = true;
    ip("addr", "add", subnet.rootAddress() + "/24", "dev", root);
    ip("link", "set", root, "up");
    ip("-n", sw, "link", "set", Naming.ROOT_PEER, "master", Naming.BRIDGE);
    ip("-n", sw, "link", "set", Naming.ROOT_PEER, "up");

    for (int i = 0; i < hosts; i++) {
      String ns = Naming.hostNamespace(runId, i);
      String tmp = Naming.tmpVeth(runId, i);
      String port = Naming.switchPort(i);
      ip("netns", "add", ns);
      namespaces.add(ns);
      ip("-n", ns, "link", "set", "lo", "up");
      ip("link", "add", tmp, "netns", ns, "type", "veth", "peer", "name", port, "netns", sw);
      ip("-n", ns, "link", "set", tmp, "name", Naming.HOST_IF);
      ip("-n", ns, "addr", "add", subnet.hostAddress(i) + "/24", "dev", Naming.HOST_IF);
      ip("-n", ns, "link", "set", Naming.HOST_IF, "up");
      ip("-n", sw, "link", "set", port, "master", Naming.BRIDGE);
      ip("-n", sw, "link", "set", port, "up");
    }
    LOG.info(
        "run {}: {} host namespaces on {} behind switch {}, root veth {} = {}",
        runId,
        hosts,
        subnet.cidr(),
        sw,
        root,
        subnet.rootAddress());
  }

  /**
   * Removes everything this run created: the root veth, then every namespace after SIGKILLing any
   * process still inside it. Returns what could not be removed (empty when clean).
   */
  List<String> destroy() {
    List<String> problems = new ArrayList<>();
    String root = Naming.rootVeth(runId);
    if (rootVethCreated) {
      Exec.Result r = Exec.run(List.of("ip", "link", "del", root));
      if (!r.ok() && linkExists(root)) {
        problems.add(r.describe());
      }
      rootVethCreated = false;
    }
    for (int i = namespaces.size() - 1; i >= 0; i--) {
      String ns = namespaces.get(i);
      killAllIn(ns, problems);
      Exec.Result r = Exec.run(List.of("ip", "netns", "del", ns));
      if (!r.ok() && namespaceExists(ns)) {
        problems.add(r.describe());
      }
    }
    namespaces.clear();
    // veths vanish with their namespace asynchronously; wait (bounded) until none is left
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<String> left = leftovers(runId);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      left = leftovers(runId);
    }
    if (!left.isEmpty()) {
      problems.add("still present after close: " + left);
    }
    return problems;
  }

  /** Namespaces and root-namespace links whose name contains this run id. */
  static List<String> leftovers(String runId) {
    List<String> found = new ArrayList<>();
    for (String line : Exec.run(List.of("ip", "netns", "list")).stdout().split("\n")) {
      String name = line.strip().split("\\s+")[0];
      if (name.startsWith(Naming.PREFIX + runId)) {
        found.add("netns " + name);
      }
    }
    for (String line : Exec.run(List.of("ip", "-o", "link", "show")).stdout().split("\n")) {
      String[] parts = line.split(":\\s+", 3);
      if (parts.length >= 2) {
        String name = parts[1].split("@")[0];
        if (name.equals(Naming.rootVeth(runId)) || name.startsWith("hst" + runId)) {
          found.add("link " + name);
        }
      }
    }
    return found;
  }

  private static void killAllIn(String ns, List<String> problems) {
    Exec.Result pids = Exec.run(List.of("ip", "netns", "pids", ns));
    if (!pids.ok()) {
      return;
    }
    List<Long> alive = new ArrayList<>();
    for (String s : pids.stdout().split("\\s+")) {
      if (!s.isBlank()) {
        long pid = Long.parseLong(s.strip());
        ProcessHandle.of(pid)
            .ifPresent(
                h -> {
                  h.destroyForcibly();
                  alive.add(pid);
                });
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (long pid : alive) {
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
          && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        problems.add("pid " + pid + " in " + ns + " survived SIGKILL");
      }
    }
    if (!alive.isEmpty()) {
      LOG.warn("killed {} stray process(es) in {}: {}", alive.size(), ns, alive);
    }
  }

  private static boolean linkExists(String name) {
    return Exec.run(List.of("ip", "link", "show", name)).ok();
  }

  private static boolean namespaceExists(String ns) {
    return Arrays.stream(Exec.run(List.of("ip", "netns", "list")).stdout().split("\n"))
        .anyMatch(l -> l.strip().split("\\s+")[0].equals(ns));
  }

  private static void ip(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("ip");
    cmd.addAll(Arrays.asList(args));
    Exec.run(cmd).orThrow();
  }
}
