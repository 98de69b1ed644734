package org.hybridstore.chaos.mutants;

import java.util.List;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StrongBackendFactory;

/** A mutant's description; by default it leaves both backends as they are. */
abstract class AbstractMutant implements ChaosMutant {
  private final String name;
  private final String bug;
  private final List<String> caughtBy;
  private final List<String> nemeses;

  AbstractMutant(String name, String bug, List<String> caughtBy, List<String> nemeses) {
    this.name = name;
    this.bug = bug;
    this.caughtBy = List.copyOf(caughtBy);
    this.nemeses = List.copyOf(nemeses);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String bug() {
    return bug;
  }

  @Override
  public final List<String> caughtBy() {
    return caughtBy;
  }

  @Override
  public final List<String> nemeses() {
    return nemeses;
  }

  @Override
  public StrongBackendFactory strong(StrongBackendFactory real) {
    return real;
  }

  @Override
  public LocalBackendFactory local(LocalBackendFactory real) {
    return real;
  }

  @Override
  public String toString() {
    return name;
  }
}
