/**
 * What a lesson is made of. Each lesson (one file in this directory) is data plus a few small
 * functions; runner.ts walks it, step by step:
 *
 *   1. about       what the primitive is, in a few plain sentences
 *   2. calls       the exact calls mini-run makes for it: a real `mini-run --trace run …`,
 *                  filtered to the lines that matter (never hand-written)
 *   3. experiment  the same thing with the isolation switched off, then on, side by side
 *                  (often next to the host's own view)
 *   4. exercise    a container started for the learner, things to try in a shell inside it
 *   5. check       does the learner's container show the expected fact? (read live)
 *
 * Every command a lesson runs is a plain `mini-run …` (or host) command, printed before its
 * output, so the learner can retype it.
 */
import type { Lab } from './lab';

export interface Lesson {
  /** Short name, usable instead of the number: `mini-run lesson uts`. */
  slug: string;
  title: string;
  /** One line for `mini-run lessons`. */
  goal: string;
  /** What the primitive is: a few plain sentences (a paragraph per string). */
  about: string[];
  calls: {
    /** Arguments after `mini-run --trace run --rm`. */
    run: string[];
    /** The trace lines to show. */
    show: RegExp;
    /** What to notice in them. */
    note: string;
  };
  experiment: {
    intro: string;
    /** Runs the experiment, returns the columns to show side by side. */
    run: (lab: Lab) => Column[];
    /** What the columns show. */
    conclusion: string;
  };
  exercise: {
    /** `mini-run run -d --name <lesson container> ARGS…` (ARGS = this, image and command included). */
    run: string[];
    /** Things to try in the shell the lesson opens inside the container. */
    tryThis: string[];
  };
  check: {
    /** The fact, as a sentence that is true when the check passes. */
    fact: string;
    verify: (lab: Lab, container: CheckTarget) => CheckResult;
    /**
     * `run -d` arguments (image and command included) of a container in which the fact is
     * FALSE — usually the exercise with one isolation switched off. The lesson shows it as
     * "to see the check fail", and the tests run it to prove the check can fail.
     */
    counterExample: string[];
  };
}

/** One column of an experiment's evidence: a title and the text under it. */
export interface Column {
  title: string;
  text: string;
}

/** The learner's container, as a check sees it. */
export interface CheckTarget {
  /** Its name (or id) as the learner gave it. */
  name: string;
  id: string;
  /** Host PID of its PID 1. */
  pid: number;
}

export interface CheckResult {
  ok: boolean;
  /** What was read, shown under the ✓ or ✗. */
  evidence: string;
}
