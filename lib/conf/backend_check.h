/*
 * backend_check.h - validation of check backends (command, environment,
 * command_mode, max_processes), pure but for stat()
 */
#ifndef PFX_BACKEND_CHECK_H
#define PFX_BACKEND_CHECK_H

#define CHECK_DEFAULT_PROCESSES	2
#define CHECK_MAX_PROCESSES	64

/* entry keys a check backend refuses: they only shape HTTP */
extern const char *const check_ignored_keys[];

/* check_mode_problem - NULL when mode is good; *exec: "exec" mode */
const char *check_mode_problem(const char *mode, int *exec);
/*
 * check_program_problem - why the program is refused, or NULL; *warn set
 * when it is only worth a warning (missing or not executable now)
 */
const char *check_program_problem(const char *path, int *warn);
/* check_env_problem - why "NAME=value" is refused, or NULL */
const char *check_env_problem(const char *);

#endif
