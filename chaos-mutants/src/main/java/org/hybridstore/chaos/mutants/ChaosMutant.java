package org.hybridstore.chaos.mutants;

import java.util.List;
import org.hybridstore.example.NodeMutation;

/**
 * A mutant with what the chaos suite needs to run it: the bug it plants, the checks that must catch
 * it, and a short scenario that gives them the chance to.
 */
public interface ChaosMutant extends NodeMutation {
  /** Returns one sentence on the bug this mutant plants. */
  String bug();

  /** Returns the checks expected to find it (any one of them suffices). */
  List<String> caughtBy();

  /** Returns the nemeses of its scenario ({@code ./chaos run --nemesis}). */
  List<String> nemeses();

  /** Returns its scenario's workload time in seconds. */
  default int timeLimitSeconds() {
    return 30;
  }
}
