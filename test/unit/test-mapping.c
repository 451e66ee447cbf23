#include "t.h"
int main(void) { return done_testing(); }
