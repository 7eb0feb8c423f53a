// The one header of libqrencode, from the system include path (libqrencode-dev).
#include <qrencode.h>
