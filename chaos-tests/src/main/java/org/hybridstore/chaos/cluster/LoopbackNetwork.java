package org.hybridstore.chaos.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The LOOPBACK mode's network: no faults possible; lifting and listing are no-ops. */
final class LoopbackNetwork implements Network {

  private static final String WHY =
      "network faults need the NAMESPACES mode (root and `ip netns`);"
          + " this cluster runs in the reduced LOOPBACK mode with process faults only";

  @Override
  public boolean supports() {
    return false;
  }

  @Override
  public Fault partition(Collection<Set<Integer>> components) {
    throw new UnsupportedOperationException(WHY);
  }

  @Override
  public Fault cut(Map<Integer, Set<Integer>> grudge, String shape) {
    throw new UnsupportedOperationException(WHY);
  }

  @Override
  public Fault blockPorts(int fromHost, Set<Integer> toHosts, int... ports) {
    throw new UnsupportedOperationException(WHY);
  }

  @Override
  public Fault oneWay(int from, int to) {
    throw new UnsupportedOperationException(WHY);
  }

  @Override
  public Fault oneWay(int from, Set<Integer> to) {
    throw new UnsupportedOperationException(WHY);
  }

  @Override
  public Fault randomLoss(int host, double probability) {
    throw new UnsupportedOperationException(WHY);
  }

  @Override
  public Fault rateLimit(int host, String rate) {
    throw new UnsupportedOperationException(WHY);
  }

  @Override
  public void remove(Fault fault) {
    // nothing can be in place
  }

  @Override
  public void heal() {
    // nothing can be in place
  }

  @Override
  public List<Fault> activeFaults() {
    return List.of();
  }

  @Override
  public int ruleCount(int host) {
    return 0;
  }

  @Override
  public String rootQdisc(int host) {
    return "";
  }
}
