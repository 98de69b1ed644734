package org.hybridstore.spring.boot.autoconfigure;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A group of {@link HybridStoreProperties} is accepted by the store's own configuration records.
 * The store's rules live in one place (the records' compact constructors); this constraint reports
 * the first rule they reject as a violation on the property it names, so Spring Boot's binding
 * failure shows the property, its value and where it was set.
 *
 * <p>Each annotated record redefines its default group as its own rules, then {@link Check}
 * ({@code @GroupSequence}), so the store is only asked once the per-property rules have passed and
 * no mistake is reported twice. (A sequence stops only on the bean's own violations, not on those
 * of beans it cascades to; so each group carries the constraint, not only the root.)
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = AcceptedByStore.Validator.class)
public @interface AcceptedByStore {
  /** Returns the message template; the violation carries the store's own reason instead. */
  String message() default "is not accepted by the store";

  /** Returns the validation groups. */
  Class<?>[] groups() default {};

  /** Returns the payload. */
  Class<? extends Payload>[] payload() default {};

  /** The group validated after the per-property rules have passed. */
  interface Check {}

  /** Builds the store's configuration records from the properties. */
  final class Validator implements ConstraintValidator<AcceptedByStore, Object> {
    /** Creates the validator (Bean Validation instantiates it). */
    public Validator() {}

    @Override
    public boolean isValid(Object value, ConstraintValidatorContext context) {
      if (value == null) {
        return true;
      }
      try {
        if (value instanceof HybridStoreProperties p) {
          p.check();
        } else if (value instanceof HybridStoreProperties.Etcd e) {
          e.check();
        } else if (value instanceof HybridStoreProperties.Journal j) {
          j.check();
        } else if (value instanceof HybridStoreProperties.Gossip g) {
          g.check();
        } else if (value instanceof HybridStoreProperties.Switchover s) {
          s.check();
        } else {
          throw new IllegalArgumentException("@AcceptedByStore on " + value.getClass());
        }
        return true;
      } catch (HybridStoreProperties.InvalidPropertyException e) {
        context.disableDefaultConstraintViolation();
        var builder = context.buildConstraintViolationWithTemplate(escape(e.reason()));
        String[] nodes = e.path().split("\\.");
        var node = builder.addPropertyNode(nodes[0]);
        for (int i = 1; i < nodes.length; i++) {
          node = node.addPropertyNode(nodes[i]);
        }
        node.addConstraintViolation();
        return false;
      }
    }

    // The reason is text, not a message template: braces and dollars must not be interpolated.
    private static String escape(String s) {
      return s.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("$", "\\$");
    }
  }
}
