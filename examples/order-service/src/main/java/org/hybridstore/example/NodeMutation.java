package org.hybridstore.example;

import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StrongBackendFactory;

/**
 * A deliberately broken build of this node program, for testing the chaos suite on itself (its
 * mutation score): it wraps the backends the service would use with decorators that introduce one
 * bug. Implementations live outside the library and this service, in the chaos suite's {@code
 * chaos-mutants} module, found through {@link java.util.ServiceLoader}; a node starts with one only
 * when its {@code --mutant NAME} flag names it, and never otherwise.
 */
public interface NodeMutation {
  /** Returns the mutant's name, as given to {@code --mutant}. */
  String name();

  /**
   * Wraps the strong backend's factory.
   *
   * @param real the real factory
   * @return the factory to use
   */
  StrongBackendFactory strong(StrongBackendFactory real);

  /**
   * Wraps the local backend's factory.
   *
   * @param real the real factory
   * @return the factory to use
   */
  LocalBackendFactory local(LocalBackendFactory real);
}
