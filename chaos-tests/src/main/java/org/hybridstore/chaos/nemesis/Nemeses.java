package org.hybridstore.chaos.nemesis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.hybridstore.chaos.nemesis.EtcdProcessNemesis.Action;

/**
 * The nemeses by name. To add one, write the class and add one line to {@link #REGISTRY}: the name
 * and a function from that name to a new instance.
 *
 * <table>
 *   <caption>Nemeses</caption>
 *   <tr><th>name</th><th>start</th><th>stop</th></tr>
 *   <tr><td>kill-etcd-one / -majority / -all</td><td>SIGKILL random member(s)</td><td>restart on the same data dir</td></tr>
 *   <tr><td>pause-etcd-one / -majority</td><td>SIGSTOP random member(s)</td><td>SIGCONT</td></tr>
 *   <tr><td>partition-one</td><td>isolate a random host</td><td>remove the rules</td></tr>
 *   <tr><td>partition-halves</td><td>random split n/2 | n - n/2</td><td>remove the rules</td></tr>
 *   <tr><td>partition-ring</td><td>majorities ring (bridge with 3 hosts)</td><td>remove the rules</td></tr>
 *   <tr><td>partition-leader</td><td>isolate the agreed etcd leader's host</td><td>remove the rules</td></tr>
 *   <tr><td>partition-service-etcd</td><td>one host's traffic to etcd client ports dropped</td><td>remove the rules</td></tr>
 *   <tr><td>partition-gossip</td><td>http and gossip ports dropped between all hosts</td><td>remove the rules</td></tr>
 *   <tr><td>one-way</td><td>one host's traffic to the others dropped</td><td>remove the rules</td></tr>
 *   <tr><td>gray-loss</td><td>30% random loss on one host</td><td>remove the rules</td></tr>
 *   <tr><td>gray-slow</td><td>tbf 128kbit on one host's egress</td><td>delete the qdisc</td></tr>
 *   <tr><td>gray-pause</td><td>pause/resume duty cycle on one member below ET</td><td>stop the thread, SIGCONT</td></tr>
 * </table>
 *
 * Thread-safe.
 */
public final class Nemeses {

  private static final Map<String, Function<String, Nemesis>> REGISTRY = new LinkedHashMap<>();

  static {
    REGISTRY.put("kill-etcd-one", n -> new EtcdProcessNemesis(n, Targets.ONE, Action.KILL));
    REGISTRY.put(
        "kill-etcd-majority", n -> new EtcdProcessNemesis(n, Targets.MAJORITY, Action.KILL));
    REGISTRY.put("kill-etcd-all", n -> new EtcdProcessNemesis(n, Targets.ALL, Action.KILL));
    REGISTRY.put("pause-etcd-one", n -> new EtcdProcessNemesis(n, Targets.ONE, Action.PAUSE));
    REGISTRY.put(
        "pause-etcd-majority", n -> new EtcdProcessNemesis(n, Targets.MAJORITY, Action.PAUSE));
    REGISTRY.put("partition-one", n -> new PartitionNemesis(n, PartitionNemesis.Shape.ONE));
    REGISTRY.put("partition-halves", n -> new PartitionNemesis(n, PartitionNemesis.Shape.HALVES));
    REGISTRY.put("partition-ring", n -> new PartitionNemesis(n, PartitionNemesis.Shape.RING));
    REGISTRY.put("partition-leader", n -> new PartitionNemesis(n, PartitionNemesis.Shape.LEADER));
    REGISTRY.put("partition-service-etcd", ServiceEtcdNemesis::new);
    REGISTRY.put("partition-gossip", GossipNemesis::new);
    REGISTRY.put("one-way", OneWayNemesis::new);
    REGISTRY.put("gray-loss", n -> new GrayLossNemesis(n, GrayLossNemesis.DEFAULT_PROBABILITY));
    REGISTRY.put("gray-slow", n -> new GraySlowNemesis(n, GraySlowNemesis.DEFAULT_RATE));
    REGISTRY.put("gray-pause", GrayPauseNemesis::new);
  }

  private Nemeses() {}

  /**
   * A new nemesis instance.
   *
   * @param name a registry name, see {@link #names()}
   * @return a fresh, inactive nemesis
   * @throws IllegalArgumentException if the name is unknown (the message lists the known names)
   */
  public static Nemesis byName(String name) {
    Function<String, Nemesis> factory = REGISTRY.get(name);
    if (factory == null) {
      throw new IllegalArgumentException(
          "unknown nemesis '" + name + "'; known: " + String.join(", ", names()));
    }
    return factory.apply(name);
  }

  /**
   * The registered names, in registry order.
   *
   * @return an immutable list
   */
  public static List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }
}
