package org.hybridstore.chaos.checker.model;

import org.jspecify.annotations.Nullable;

/**
 * A lock with acquire and release, as in Knossos' {@code mutex}: acquire is allowed only when free,
 * release only when held. The state is {@code Boolean.TRUE} when held. This class is immutable and
 * threadsafe.
 */
public final class MutexModel implements Model<Boolean> {

  @Override
  public String name() {
    return "mutex";
  }

  @Override
  public Boolean init() {
    return Boolean.FALSE;
  }

  @Override
  public @Nullable Boolean step(Boolean held, Call call) {
    if (call.outcome() == Call.Outcome.FAILED) {
      return held;
    }
    return switch (call.f()) {
      case "acquire" -> held ? null : Boolean.TRUE;
      case "release" -> held ? Boolean.FALSE : null;
      default -> throw Values.unsupported(name(), call);
    };
  }

  @Override
  public String describe(Boolean held) {
    return held ? "held" : "free";
  }
}
